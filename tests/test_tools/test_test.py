"""tools/test.py: --out (predictions / metrics / cluster-map folder), --show-dir and --show paint
clusters; a checkpoint that does not fit the config (weights, preprocessing) stops the test."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys
from types import SimpleNamespace

import cv2
import mmengine
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import save_checkpoint

from mmiic.apis import init_model
from mmiic.engine.hooks import CheckpointCheckHook
from mmiic.testing import MNIST_CONFIG, MOSAIC_CONFIG, ROOT, load_tool, make_seg_folder
from mmiic.visualization import cluster_palette

test_tool = load_tool('tools/test.py')


def _unique_name(tmp_path) -> str:
    """An experiment name of this test's own: mmengine names a runner's DefaultScope,
    logger and visualizer "<config>_<second>" and hands back the existing instance for a
    name it knows, so a second in-process run of the same config within one second, after
    a run of another scope, built its visualizer in the wrong registry scope."""
    return f'experiment_name=test_{tmp_path.name}'

@pytest.mark.slow
def test_out_dumps_one_prediction_per_sample(tiny_mnist, tmp_path):
    _, options, checkpoint = tiny_mnist
    out = str(tmp_path / 'preds' / 'results.pkl')
    metrics = test_tool.main([MNIST_CONFIG, checkpoint, '--work-dir', str(tmp_path / 'w'), '--out',
                              out, '--cfg-options', *options, _unique_name(tmp_path)])
    assert 'cluster/acc' in metrics
    predictions = mmengine.load(out)
    assert len(predictions) == 12  # train + test images of the tiny MNIST
    assert all(p['main_clusters'].shape == (2, ) for p in predictions)  # one id per sub-head
    assert {int(p['gt_label'][0]) for p in predictions} <= set(range(10))


@pytest.mark.slow
def test_out_item_metrics_writes_the_returned_metrics(tiny_mnist, tmp_path):
    _, options, checkpoint = tiny_mnist
    out = str(tmp_path / 'metrics.json')
    metrics = test_tool.main([MNIST_CONFIG, checkpoint, '--work-dir', str(tmp_path / 'w'), '--out',
                              out, '--out-item', 'metrics', '--cfg-options', *options,
                              _unique_name(tmp_path)])
    with open(out) as f:
        assert json.load(f) == pytest.approx(metrics)


@pytest.mark.parametrize('argv, message', [
    (['--out', 'x.json'], 'predictions are dumped as'),
    (['--out', 'x.txt', '--out-item', 'metrics'], 'metrics are written as'),
    (['--out-item', 'metrics'], '--out-item needs --out'),
])
def test_bad_out_arguments_fail_before_testing(argv, message, capsys):
    with pytest.raises(SystemExit):
        test_tool.parse_args([MNIST_CONFIG, 'missing.pth', *argv])
    assert message in capsys.readouterr().err


def test_show_dir_paints_segmentation_clusters(tiny_mosaic, tmp_path):
    options, checkpoint = tiny_mosaic
    show_dir = tmp_path / 'vis'
    test_tool.main([MOSAIC_CONFIG, checkpoint, '--work-dir', str(tmp_path / 'w'), '--show-dir',
                    str(show_dir), '--cfg-options', *options, _unique_name(tmp_path)])
    files = sorted(os.listdir(show_dir))
    assert len(files) == 2 and files[0].endswith('mosaic_test_0.png')
    picture = cv2.imread(str(show_dir / files[0]))[..., ::-1]
    # image | clusters side by side (48 px each, 4 px gap) above the legend
    assert picture.shape[1] == 48 + 4 + 48
    clusters = picture[16:16 + 48, 52:100].reshape(-1, 3)
    palette = {tuple(c) for c in cluster_palette(3)}
    assert {tuple(c) for c in np.unique(clusters, axis=0)} <= palette


@pytest.mark.slow
def test_show_dir_interval_and_show_for_image_clustering(tiny_mnist, tmp_path, monkeypatch):
    from mmengine.visualization import Visualizer
    shown = []
    monkeypatch.setattr(Visualizer, 'show', lambda self, image, **kw: shown.append(image.shape))
    _, options, checkpoint = tiny_mnist
    show_dir = tmp_path / 'vis'
    test_tool.main([MNIST_CONFIG, checkpoint, '--work-dir', str(tmp_path / 'w'), '--show-dir',
                    str(show_dir), '--show', '--interval', '4', '--cfg-options', *options,
                    _unique_name(tmp_path)])
    assert len(os.listdir(show_dir)) == 3  # samples 0, 4 and 8 of 12
    assert len(shown) == 3
    picture = cv2.imread(str(show_dir / sorted(os.listdir(show_dir))[0]))[..., ::-1]
    frame = tuple(picture[16 + 2, 2])  # below the caption, inside the frame
    assert frame in {tuple(c) for c in cluster_palette(10)}


@pytest.mark.slow
def test_cli_writes_metrics_and_pictures(tiny_mosaic, tmp_path):
    options, checkpoint = tiny_mosaic
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', MOSAIC_CONFIG, checkpoint, '--work-dir',
         str(tmp_path / 'w'), '--out', str(tmp_path / 'm.json'), '--out-item', 'metrics',
         '--show-dir', str(tmp_path / 'vis'), '--cfg-options', *options, _unique_name(tmp_path)],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True, text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'seg/acc' in mmengine.load(str(tmp_path / 'm.json'))
    assert len(os.listdir(tmp_path / 'vis')) == 2
    assert osp.isdir(tmp_path / 'w')


@pytest.mark.slow
def test_a_checkpoint_of_another_config_stops_the_test(tiny_mnist, tmp_path):
    # mmengine loaded it non-strictly: size-mismatch warnings, then metrics of random weights.
    _, options, checkpoint = tiny_mnist
    wider = [o for o in options if not o.startswith(('model.backbone.arch', 'model.head.in'))]
    wider += ["model.backbone.arch=[8,'M',8,'M',8,'M']", 'model.head.in_channels=72']
    argv = [MNIST_CONFIG, checkpoint, '--work-dir', str(tmp_path / 'w'), '--cfg-options', *wider]
    with pytest.raises(ValueError, match=rf'checkpoint {checkpoint} does not fit the model of '
                       r'this config: 6 state-dict entries do not match(.|\n)*'
                       r'backbone.layers.0.conv.weight: \[4, 2, 3, 3\] in the checkpoint, '
                       r'\[8, 2, 3, 3\] in the model'):
        test_tool.main(argv + [_unique_name(tmp_path)])
    with pytest.warns(UserWarning, match='6 of another shape'):
        metrics = test_tool.main(argv + [_unique_name(tmp_path) + '_partial',
                                         'default_hooks.checkpoint_check.allow_partial=True'])
    assert 'cluster/acc' in metrics


@pytest.mark.slow
def test_another_object_size_than_in_training_is_refused(tmp_path, monkeypatch):
    # OBJECT_SIZE is read when the config is parsed: a test run without the training's
    # value resized the images by another factor, silently.
    template = osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_folder_seg.py')
    root = make_seg_folder(str(tmp_path / 'seg'), n=2)
    monkeypatch.setenv('OBJECT_SIZE', '40')
    trained = Config.fromfile(template)
    checkpoint = dict(meta=dict(dataset_meta=dict(color_type='color')),
                      state_dict=init_model(trained, device='cpu').state_dict())
    CheckpointCheckHook().before_save_checkpoint(SimpleNamespace(cfg=trained), checkpoint)
    path = str(tmp_path / 'model.pth')
    save_checkpoint(checkpoint, path)
    config = str(tmp_path / 'eval_seg.py')
    with open(config, 'w') as f:  # the README's evaluation with label maps
        f.write(f'_base_ = [{template!r}]\n'
                'test_dataloader = dict(_delete_=True, batch_size=1, num_workers=0, sampler=dict('
                "type='DefaultSampler', shuffle=False), dataset=dict(type="
                f"'mmiic.ImageFolderSegDataset', data_root={root!r}, img_dir='images', "
                "label_dir='labels', label_map={10: 0, 20: 1}, classes=('a', 'b'), "
                'pipeline={{_base_.eval_pipeline}}))\n'
                "test_cfg = dict(_delete_=True, type='TestLoop')\n"
                "test_evaluator = dict(_delete_=True, type='mmiic.SegClusterMetric', "
                'num_classes=2, num_clusters=3)\n')
    argv = [config, path, '--work-dir', str(tmp_path / 'w'), '--cfg-options']
    monkeypatch.delenv('OBJECT_SIZE')
    with pytest.raises(ValueError, match=r'Resize.scale_factor: 0.6 in training, 1.0 in this '
                       r'config(.|\n)*the same OBJECT_SIZE'):
        test_tool.main(argv + [_unique_name(tmp_path)])
    monkeypatch.setenv('OBJECT_SIZE', '40')
    assert 'seg/acc' in test_tool.main(argv + [_unique_name(tmp_path) + '_same'])


@pytest.mark.slow
def test_out_folder_writes_one_cluster_map_per_image_as_mmseg(tiny_mosaic, tmp_path):
    options, checkpoint = tiny_mosaic
    out = tmp_path / 'maps'
    test_tool.main([MOSAIC_CONFIG, checkpoint, '--work-dir', str(tmp_path / 'w'), '--out',
                    str(out), '--cfg-options', *options, _unique_name(tmp_path)])
    assert sorted(os.listdir(out)) == ['mosaic_test_0.png', 'mosaic_test_1.png']
    dumped = str(tmp_path / 'preds.pkl')
    test_tool.main([MOSAIC_CONFIG, checkpoint, '--work-dir', str(tmp_path / 'w2'), '--out',
                    dumped, '--cfg-options', *options, f'experiment_name=pkl_{tmp_path.name}'])
    for prediction in mmengine.load(dumped):
        name = osp.basename(prediction['img_path']) + '.png'
        written = cv2.imread(str(out / name), cv2.IMREAD_UNCHANGED)
        assert written.dtype == np.uint8 and written.shape == (48, 48)
        np.testing.assert_array_equal(written, prediction['pred_sem_seg']['data'][0].numpy())


@pytest.mark.slow
def test_out_folder_names_tiles_and_sub_folders(tmp_path):
    from mmiic.testing import make_seg_folder, save_fresh_checkpoint
    config = osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_folder_seg.py')
    root = make_seg_folder(str(tmp_path / 'seg'))  # images/sub/scene_0.png, scene_1.tif, ...
    eval_config = tmp_path / 'eval.py'
    dataset = dict(type='mmiic.ImageFolderSegDataset', data_root=root, img_dir='images',
                   label_dir='labels', label_map={10: 0, 20: 1}, classes=('a', 'b'),
                   tile_size=(40, 48), pipeline=[dict(type='mmiic.LoadIICImage'),
                                                 dict(type='mmiic.LoadIICAnnotations'),
                                                 dict(type='mmiic.PackIICSegInputs')])
    eval_config.write_text(
        f'_base_ = [{config!r}]\n'
        f'test_dataloader = dict(_delete_=True, batch_size=1, num_workers=0, '
        f"sampler=dict(type='DefaultSampler', shuffle=False), dataset={dataset!r})\n"
        "test_cfg = dict(_delete_=True, type='TestLoop')\n"
        "test_evaluator = dict(_delete_=True, type='mmiic.SegClusterMetric', num_classes=2, "
        'num_clusters=3)\n')
    checkpoint = save_fresh_checkpoint(config, ['model.test_cfg.mode=whole'],
                                       str(tmp_path / 'seg.pth'))
    out = tmp_path / 'maps'
    test_tool.main([str(eval_config), checkpoint, '--work-dir', str(tmp_path / 'w'), '--out',
                    str(out), '--cfg-options', _unique_name(tmp_path)])
    tiles = ['x0_y0', 'x0_y24', 'x32_y0', 'x32_y24']  # 64 x 80 images in 40 x 48 tiles
    expected = sorted([f'scene_{i}_{t}.png' for i in (1, 2) for t in tiles]
                      + [osp.join('sub', f'scene_0_{t}.png') for t in tiles])
    written = sorted(osp.relpath(p, out) for p in glob.glob(str(out / '**' / '*.png'),
                                                               recursive=True))
    assert written == expected
    assert cv2.imread(str(out / 'scene_1_x32_y0.png'), cv2.IMREAD_UNCHANGED).shape == (40, 48)


@pytest.mark.slow
def test_out_folder_is_refused_for_image_clustering(tiny_mnist, tmp_path):
    _, options, checkpoint = tiny_mnist
    with pytest.raises(ValueError, match='segmentation models only.*--out FILE.pkl'):
        test_tool.main([MNIST_CONFIG, checkpoint, '--work-dir', str(tmp_path / 'w'), '--out',
                        str(tmp_path / 'maps'), '--cfg-options', *options, _unique_name(tmp_path)])


FOLDER_SEG = osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_folder_seg.py')


def test_folder_segmentation_template_without_labels_says_what_to_set(tmp_path):
    # Before the fix: RuntimeError 'self._test_loop should not be None' from mmengine.
    with pytest.raises(ValueError, match=r'has no test set \(test_dataloader, test_cfg, '
                                         r'test_evaluator = None\).*set label_dir'):
        test_tool.main([FOLDER_SEG, 'unused.pth', '--work-dir', str(tmp_path)])
    # A config inheriting the template cannot switch the test set on: said so.
    child = tmp_path / 'child.py'
    child.write_text(f"_base_ = [{FOLDER_SEG!r}]\nlabel_dir = 'labels'\nclasses = ('a', 'b')\n")
    with pytest.raises(ValueError, match="although label_dir = 'labels'.*inheriting it"):
        test_tool.main([str(child), 'unused.pth', '--work-dir', str(tmp_path)])


def test_test_images_are_standardised_with_the_training_statistics(tmp_path):
    # normalize='data': the test set computed the statistics of the test images, which the
    # loader preferred; the weights were trained on images standardised with the training's.
    import shutil

    import torch
    from mmengine.runner import Runner

    from mmiic.datasets.transforms import convert_channels, read_image, to_uint8
    from mmiic.utils import load_config
    from mmiic.utils.config_loading import load_test_config
    made = make_seg_folder(str(tmp_path / 'made'), values=(0, 1))
    root = str(tmp_path / 'data')
    shutil.move(osp.join(made, 'images'), root)
    shutil.move(osp.join(made, 'labels'), osp.join(root, 'labels'))
    os.remove(osp.join(root, 'scene_1.tif'))  # 8-bit images only: one standardisation fits
    options = dict(data_root=root, normalize='data', label_dir='labels', classes=('a', 'b'))
    training = dict(mean=[100.0, 90.0, 80.0], std=[20.0, 25.0, 30.0])
    trained = load_config(FOLDER_SEG, options)
    checkpoint = dict(meta=dict(dataset_meta=dict(color_type='color', channel_stats=training)),
                      state_dict=init_model(trained, device='cpu').state_dict())
    CheckpointCheckHook().before_save_checkpoint(SimpleNamespace(cfg=trained), checkpoint)
    path = str(tmp_path / 'model.pth')
    save_checkpoint(checkpoint, path)
    args = test_tool.parse_args([FOLDER_SEG, path, '--work-dir', str(tmp_path / 'w')])
    cfg = test_tool.merge_args(load_test_config(FOLDER_SEG, path, {
        **options, 'test_dataloader.num_workers': 0, 'test_dataloader.persistent_workers': False,
        'experiment_name': f'stats_{tmp_path.name}'}, 'tools/test.py', str(tmp_path / 'w')), args)
    runner = Runner.from_cfg(cfg)
    dataset = runner.test_dataloader.dataset
    assert dataset.channel_stats != training  # the test images' own, before the test
    assert 'seg/acc' in runner.test()
    assert dataset.channel_stats == training
    sample = dataset[0]
    image = read_image(sample['data_samples'].img_path)
    expected = to_uint8(convert_channels(image, 'color', ''), training)
    torch.testing.assert_close(sample['inputs'], torch.from_numpy(expected).permute(2, 0, 1))
