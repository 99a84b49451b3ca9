"""Your own images end to end: train 2 iterations on a folder (tools/train.py),
evaluate with labels (tools/test.py writes the cluster -> class mapping), apply
the model to a folder and a video (tools/infer.py), on real PNG/JPEG/TIFF/AVI files."""
import csv
import glob
import importlib.util
import json
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch

from mmiic.testing import make_cluster_folder, make_seg_folder, make_video

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
SEG_CONFIG = osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_folder_seg.py')
CLS_CONFIG = osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_folder_cluster.py')


def run_tool(name, argv, monkeypatch):
    path = osp.join(ROOT, 'tools', f'{name}.py')
    spec = importlib.util.spec_from_file_location(f'tool_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys, 'argv', [f'{name}.py'] + argv)
    module.main()


def vis_images(work_dir):
    pattern = osp.join(work_dir, '*', 'vis_data', 'vis_image', '*.png')
    return {osp.basename(p) for p in glob.glob(pattern)}


def scalars(work_dir):
    (path, ) = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    with open(path) as f:
        return [json.loads(line) for line in f]


def read_csv(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


LOADERS = ['train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False']


def write_eval_config(path, base, dataset, evaluator):
    with open(path, 'w') as f:
        f.write(f"_base_ = [{base!r}]\n"
                f"test_dataloader = dict(_delete_=True, batch_size=1, num_workers=0, "
                f"sampler=dict(type='DefaultSampler', shuffle=False), dataset={dataset!r})\n"
                f"test_cfg = dict(_delete_=True, type='TestLoop')\n"
                f"test_evaluator = dict(_delete_=True, **{evaluator!r})\n")


@pytest.mark.slow
def test_segmentation_folder_train_test_infer(tmp_path, monkeypatch):
    root = make_seg_folder(str(tmp_path / 'seg'))
    work = str(tmp_path / 'work')
    monkeypatch.setenv('DATA_ROOT', osp.join(root, 'images'))
    run_tool('train', [SEG_CONFIG, '--work-dir', work, '--cfg-options', 'train_cfg.max_iters=2',
                       'train_dataloader.batch_size=2'] + LOADERS, monkeypatch)
    checkpoint = osp.join(work, 'iter_2.pth')
    assert osp.isfile(checkpoint)
    # The checkpoint records the preprocessing that inference repeats (OBJECT_SIZE 24: 1.0).
    recorded = torch.load(checkpoint, weights_only=False)['meta']['inference_pipeline']
    assert recorded[1] == dict(type='Resize', scale_factor=1.0, keep_ratio=True)
    # The hooks wrote through the visualizer: overlays, joint and masses.
    expected = {'cluster_overlay_0.png', 'cluster_joint_0.png', 'cluster_mass_2.png'}
    assert expected <= vis_images(work)
    masses = [s for s in scalars(work) if 'cluster_mass/0' in s]
    assert masses and all(abs(sum(s[f'cluster_mass/{c}'] for c in range(3)) - 1) < 1e-6
                          for s in masses)

    # Evaluation with label maps and a value mapping writes the mapping next to the metrics.
    eval_cfg = str(tmp_path / 'eval_seg.py')
    dataset = dict(type='mmiic.ImageFolderSegDataset', data_root=root, img_dir='images',
                   label_dir='labels', label_map={10: 0, 20: 1}, classes=('stripes', 'flat'),
                   pipeline=[dict(type='mmiic.LoadIICImage'), recorded[1],
                             dict(type='mmiic.LoadIICAnnotations'),
                             dict(type='mmiic.PackIICSegInputs')])
    write_eval_config(eval_cfg, SEG_CONFIG, dataset,
                      dict(type='mmiic.SegClusterMetric', num_classes=2, num_clusters=3,
                           class_names=('stripes', 'flat')))
    run_tool('test', [eval_cfg, checkpoint, '--work-dir', work], monkeypatch)
    (mapping_file, ) = glob.glob(osp.join(work, '*', 'cluster_mapping.json'))
    mapping = json.load(open(mapping_file))
    assert mapping['classes'] == ['stripes', 'flat']
    assert sorted(mapping['mapping']) == ['0', '1', '2']
    names = {int(c): (mapping['classes'][m] if m >= 0 else f'cluster {c}')
             for c, m in mapping['mapping'].items()}

    out = str(tmp_path / 'out')
    run_tool('infer', [SEG_CONFIG, checkpoint, osp.join(root, 'images'), '--out', out,
                       '--mapping', mapping_file, '--device', 'cpu'], monkeypatch)
    for stem, (h, w) in (('sub/scene_0', (64, 80)), ('scene_1', (64, 80)), ('scene_2', (64, 80))):
        ids = cv2.imread(osp.join(out, 'clusters', stem + '.png'), cv2.IMREAD_UNCHANGED)
        assert ids.shape == (h, w) and ids.dtype == np.uint8 and ids.max() < 3
        overlay = cv2.imread(osp.join(out, 'overlays', stem + '.png'))
        assert overlay.shape[1] == w and overlay.shape[0] > h  # image + legend
    rows = read_csv(osp.join(out, 'cluster_shares.csv'))
    assert {r['image'] for r in rows} == {'sub/scene_0', 'scene_1', 'scene_2'}
    # The mapping names the head the model tested with; another head's mapping is refused.
    assert mapping['head'] == 'main'
    other = str(tmp_path / 'overcluster_mapping.json')
    json.dump(dict(mapping, head='overcluster'), open(other, 'w'))
    with pytest.raises(ValueError, match="maps the clusters of head 'overcluster', but the "
                                         "model predicts with head 'main'"):
        run_tool('infer', [SEG_CONFIG, checkpoint, osp.join(root, 'images'), '--out', out,
                           '--mapping', other, '--device', 'cpu'], monkeypatch)
    assert all(r['name'] == names[int(r['cluster'])] for r in rows)
    for image in ('scene_1', 'scene_2'):
        assert abs(sum(float(r['share']) for r in rows if r['image'] == image) - 1) < 1e-4

    # A larger image through the sliding window gives one full-size map; a video, one per frame.
    big = np.random.default_rng(0).integers(0, 255, (100, 150, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / 'big.png'), big)
    slide_out = str(tmp_path / 'slide')
    run_tool('infer', [SEG_CONFIG, checkpoint, str(tmp_path / 'big.png'), '--out', slide_out,
                       '--slide-size', '64'], monkeypatch)
    ids = cv2.imread(osp.join(slide_out, 'clusters', 'big.png'), cv2.IMREAD_UNCHANGED)
    assert ids.shape == (100, 150)
    video = make_video(str(tmp_path / 'clip.avi'), frames=5)
    video_out = str(tmp_path / 'video')
    run_tool('infer', [SEG_CONFIG, checkpoint, video, '--out', video_out, '--frame-step', '2'],
             monkeypatch)
    frames = sorted(osp.basename(p) for p in glob.glob(osp.join(video_out, 'clusters', '*.png')))
    assert frames == ['clip_000000.png', 'clip_000002.png', 'clip_000004.png']
    assert cv2.imread(osp.join(video_out, 'overlays', 'clip_000002.png')).shape[1] == 64


@pytest.mark.slow
def test_clustering_folder_train_test_infer(tmp_path, monkeypatch):
    root = str(tmp_path / 'imgs')
    paths = make_cluster_folder(root)
    work = str(tmp_path / 'work')
    monkeypatch.setenv('DATA_ROOT', root)
    # The user's copy of the template: two clusters for the two classes evaluated below.
    config = str(tmp_path / 'my_cluster.py')
    with open(config, 'w') as f:
        f.write(f"_base_ = [{CLS_CONFIG!r}]\n"
                "model = dict(head=dict(num_classes=2, num_overclusters=6))\n"
                "val_evaluator = dict(num_classes=2)\ntest_evaluator = val_evaluator\n")
    run_tool('train', [config, '--work-dir', work, '--cfg-options', 'train_cfg.max_iters=2',
                       'train_cfg.val_interval=2', 'train_dataloader.batch_size=4',
                       'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False']
             + LOADERS, monkeypatch)
    checkpoint = osp.join(work, 'iter_2.pth')
    saved = torch.load(checkpoint, map_location='cpu', weights_only=False)
    meta = saved['meta']
    # Unlabelled validation still chooses a sub-head, and the last checkpoint holds it, in
    # its weights too.
    (logged, ) = [s for s in scalars(work) if 'cluster/chosen_subhead' in s]
    assert meta['test_subhead'] == int(logged['cluster/chosen_subhead'])
    assert int(saved['state_dict']['cluster_heads.test_subhead_index']) == meta['test_subhead']
    assert {'cluster_grid_0.png', 'cluster_joint_0.png', 'cluster_mass_2.png'} <= vis_images(work)

    eval_cfg = str(tmp_path / 'eval_cls.py')
    with open(eval_cfg, 'w') as f:
        f.write(f"_base_ = [{config!r}]\n"
                "test_dataloader = dict(num_workers=0, persistent_workers=False, "
                "dataset=dict(labels='folders'))\n")
    run_tool('test', [eval_cfg, checkpoint, '--work-dir', work], monkeypatch)
    (mapping_file, ) = glob.glob(osp.join(work, '*', 'cluster_mapping.json'))
    mapping = json.load(open(mapping_file))
    assert mapping['classes'] == ['bright', 'dark']
    assert sorted(mapping['mapping'].values()) == [0, 1]
    assert 0 <= mapping['subhead'] < 5

    out = str(tmp_path / 'out')
    run_tool('infer', [config, checkpoint, root, '--out', out, '--mapping', mapping_file,
                       '--batch-size', '3'], monkeypatch)
    rows = read_csv(osp.join(out, 'predictions.csv'))
    assert len(rows) == 8 and rows[0]['image'] == 'bright/img_0'
    for row in rows:
        probs = np.array([float(row[f'prob_{c}']) for c in range(2)])
        assert abs(probs.sum() - 1) < 1e-4 and int(row['cluster']) == probs.argmax()
        assert row['name'] == mapping['classes'][mapping['mapping'][row['cluster']]]
    # The names hold for the sub-head the mapping was made for: infer predicts with it.
    from mmiic.apis import inference_model, init_model
    model = init_model(config, checkpoint, device='cpu')
    model.cluster_heads.test_subhead = mapping['subhead']
    samples = inference_model(model, sorted(paths))  # the folder's order
    assert [int(s.pred_label) for s in samples] == [int(r['cluster']) for r in rows]
    video_out = str(tmp_path / 'video')
    run_tool('infer', [config, checkpoint, make_video(str(tmp_path / 'clip.avi'), frames=4),
                       '--out', video_out], monkeypatch)
    assert [r['image'] for r in read_csv(osp.join(video_out, 'predictions.csv'))] == [
        f'clip_{i:06d}' for i in range(4)]


def test_infer_rejects_a_missing_input(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match='nowhere.png'):
        run_tool('infer', [SEG_CONFIG, 'none.pth', str(tmp_path / 'nowhere.png'), '--out',
                           str(tmp_path)], monkeypatch)


def _video_frames(path):
    capture = cv2.VideoCapture(path)
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


@pytest.mark.slow
def test_video_input_also_writes_a_video(tmp_path, monkeypatch):
    from mmiic.testing import save_fresh_checkpoint
    video = make_video(str(tmp_path / 'clip.avi'), frames=5, size=(48, 64))
    seg_checkpoint = save_fresh_checkpoint(SEG_CONFIG, LOADERS, str(tmp_path / 'seg.pth'))
    out = str(tmp_path / 'seg')
    run_tool('infer', [SEG_CONFIG, seg_checkpoint, video, '--out', out, '--frame-step', '2'],
             monkeypatch)
    frames = _video_frames(osp.join(out, 'clip_clusters.mp4'))
    assert len(frames) == 3 and frames[0].shape == (48, 64, 3)  # the overlays, frames 0, 2, 4
    overlay = cv2.imread(osp.join(out, 'overlays', 'clip_000002.png'))
    assert np.abs(frames[1].astype(int) - overlay[:48].astype(int)).mean() < 12  # mp4 is lossy

    cls_checkpoint = save_fresh_checkpoint(CLS_CONFIG, LOADERS, str(tmp_path / 'cls.pth'))
    out = str(tmp_path / 'cls')
    run_tool('infer', [CLS_CONFIG, cls_checkpoint, video, '--out', out], monkeypatch)
    frames = _video_frames(osp.join(out, 'clip_clusters.mp4'))
    # Each frame framed in its cluster's colour (6 px) under a 16 px caption.
    assert len(frames) == 5 and frames[0].shape == (48 + 12 + 16, 64 + 12, 3)


def test_unreadable_images_are_skipped_and_reported(tmp_path, monkeypatch, capsys):
    from mmiic.testing import save_fresh_checkpoint
    root = tmp_path / 'imgs'
    make_cluster_folder(str(root))
    (root / 'dark' / 'broken.png').write_bytes(b'not an image')
    (root / 'bright' / 'empty.jpg').write_bytes(b'')
    checkpoint = save_fresh_checkpoint(CLS_CONFIG, LOADERS, str(tmp_path / 'cls.pth'))
    out = str(tmp_path / 'out')
    run_tool('infer', [CLS_CONFIG, checkpoint, str(root), '--out', out, '--batch-size', '3'],
             monkeypatch)
    rows = read_csv(osp.join(out, 'predictions.csv'))
    assert len(rows) == 8 and not {'dark/broken', 'bright/empty'} & {r['image'] for r in rows}
    skipped = read_csv(osp.join(out, 'skipped.csv'))
    assert sorted(r['image'] for r in skipped) == sorted(
        [str(root / 'bright' / 'empty.jpg'), str(root / 'dark' / 'broken.png')])
    assert all('cannot read image' in r['error'] for r in skipped)
    err = capsys.readouterr().err
    assert 'skipped 2 image(s) that could not be read' in err and 'broken.png' in err

    # Segmentation the same; a folder of nothing readable is an error, not an empty result.
    seg_root = tmp_path / 'seg'
    make_seg_folder(str(seg_root), with_labels=False)
    (seg_root / 'images' / 'broken.png').write_bytes(b'not an image')
    seg_checkpoint = save_fresh_checkpoint(SEG_CONFIG, LOADERS, str(tmp_path / 'seg.pth'))
    out = str(tmp_path / 'seg_out')
    run_tool('infer', [SEG_CONFIG, seg_checkpoint, str(seg_root / 'images'), '--out', out],
             monkeypatch)
    assert len(glob.glob(osp.join(out, 'clusters', '**', '*.png'), recursive=True)) == 3
    assert [r['image'] for r in read_csv(osp.join(out, 'skipped.csv'))] == [
        str(seg_root / 'images' / 'broken.png')]
    only_bad = tmp_path / 'bad'
    only_bad.mkdir()
    (only_bad / 'a.png').write_bytes(b'no')
    with pytest.raises(ValueError, match='none of the 1 input image.* could be read.*a.png'):
        run_tool('infer', [SEG_CONFIG, seg_checkpoint, str(only_bad), '--out', out], monkeypatch)


def test_errors_of_the_model_are_not_reported_as_unreadable_images(tmp_path, monkeypatch):
    # Any ValueError while predicting was caught as "could not be read": every image was
    # skipped and the run ended with "none of the N input image(s) could be read".
    from mmiic.testing import save_fresh_checkpoint

    from mmiic.models.classifiers import IICClassifier
    root = tmp_path / 'imgs'
    make_cluster_folder(str(root))
    checkpoint = save_fresh_checkpoint(CLS_CONFIG, LOADERS, str(tmp_path / 'cls.pth'))

    def broken(self, data):
        raise ValueError('the model cannot take this input')

    monkeypatch.setattr(IICClassifier, 'test_step', broken)
    out = tmp_path / 'out'
    with pytest.raises(ValueError, match='^the model cannot take this input$'):
        run_tool('infer', [CLS_CONFIG, checkpoint, str(root), '--out', str(out)], monkeypatch)
    assert not (out / 'skipped.csv').exists()
