"""tools/dataset_converters/shrink_seg_dataset.py: a training copy shrunk once, read unchanged:
the pixels the test pipeline makes of the originals."""
import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmiic  # noqa: F401
from mmiic.registry import DATASETS, TRANSFORMS
from mmiic.testing import make_cocostuff

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
TOOL = osp.join(REPO, 'tools', 'dataset_converters', 'shrink_seg_dataset.py')


def _run(*args):
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True,
                          env=dict(PYTHONPATH=REPO, PATH='/usr/bin:/bin'))


@pytest.mark.slow
def test_copy_has_the_training_size_the_same_labels_and_loads_through_the_config(tmp_path):
    src = make_cocostuff(str(tmp_path / 'coco'), names=3, splits=('train2017', ), size=(150, 181))
    dst = str(tmp_path / 'third')
    done = _run(src, dst, '--scale', '1/3', '--image-dir', 'images/train2017', '--label-dir',
                'annotations/train2017', '--copy', 'curated', '--nproc', '2')
    assert done.returncode == 0, done.stderr
    name = '000000000002'
    # JPEGs are stored losslessly, as PNGs.
    assert not osp.exists(osp.join(dst, 'images', 'train2017', name + '.jpg'))
    image = cv2.imread(osp.join(dst, 'images', 'train2017', name + '.png'))
    label = cv2.imread(osp.join(dst, 'annotations', 'train2017', name + '_labelTrainIds.png'),
                       cv2.IMREAD_UNCHANGED)
    assert image.shape == (50, 60, 3) and label.shape == (50, 60)  # int(side / 3 + 0.5)
    assert osp.isfile(osp.join(dst, 'curated', 'train2017', 'cocostuff3.txt'))
    with open(osp.join(dst, 'prescaled.json')) as f:
        assert json.load(f)['scale'] == 1 / 3

    # What the on-the-fly pipeline makes of the original files at scale 1/3.
    init_default_scope('mmseg')
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'iic', 'iic_vgg_cocostuff3_device_views_prescaled.py'))
    # The prescaled config refuses the originals (it would train on them at 3x the scale).
    with pytest.raises(FileNotFoundError, match='prescaled.json'):
        DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=src, pipeline=[]))
    original = DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=src, pipeline=[],
                                   prescaled=None, img_suffix='.jpg'))
    info = original.get_data_info(1)
    assert info['img_path'].endswith(name + '.jpg')
    for step in (dict(type='mmiic.LoadIICAnnotations'),
                 dict(type='mmiic.LoadResizedImage', scale_factor=1 / 3)):
        info = TRANSFORMS.build(step)(info)
    # The config reads the copy: the same labels after the lookup and the same pixels (a JPEG
    # re-encoding at quality 95 was 1.9 grey levels off on these noisy images).
    copy = DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=dst,
                               pipeline=cfg.train_pipeline[:2]))
    sample = copy[1]
    assert sample['img_path'].endswith(name + '.png')
    assert np.array_equal(sample['gt_seg_map'], info['gt_seg_map'])
    assert np.array_equal(sample['img'], info['img'])
    # ... which are the test pipeline's pixels of the original.
    test = DATASETS.build(dict(cfg.test_dataloader.dataset, data_root=src,
                               ann_file=cfg.train_dataloader.dataset.ann_file,
                               data_prefix=cfg.train_dataloader.dataset.data_prefix,
                               pipeline=cfg.test_pipeline[:2]))
    assert np.array_equal(test[1]['img'], sample['img'])


@pytest.mark.slow
def test_bad_arguments_are_named(tmp_path):
    src = make_cocostuff(str(tmp_path / 'coco'), names=1, splits=('train2017', ))
    assert 'must lie in (0, 1]' in _run(src, str(tmp_path / 'x'), '--scale', '3',
                                        '--image-dir', 'images/train2017').stderr
    assert 'must differ' in _run(src, src, '--scale', '0.5', '--image-dir', 'x').stderr
    missing = _run(src, str(tmp_path / 'x'), '--scale', '0.5', '--image-dir', 'images/nope')
    assert missing.returncode != 0 and osp.join('images', 'nope') in missing.stderr


@pytest.mark.slow
def test_png_images_palette_labels_and_other_files(tmp_path):
    """PNG images stay PNG, palette label maps keep their indices, other files are skipped."""
    from PIL import Image
    src = tmp_path / 'src'
    (src / 'img').mkdir(parents=True)
    (src / 'lab').mkdir()
    cv2.imwrite(str(src / 'img' / 'a.png'), np.full((40, 60, 3), 128, np.uint8))
    (src / 'img' / 'notes.txt').write_text('not an image')
    ids = np.kron(np.array([[1, 2], [3, 4]], np.uint8), np.ones((20, 30), np.uint8))
    palette = Image.fromarray(ids, mode='P')
    palette.putpalette([v for i in range(256) for v in (i, 255 - i, 7)])
    palette.save(src / 'lab' / 'a.png')
    done = _run(str(src), str(tmp_path / 'dst'), '--scale', '0.5', '--image-dir', 'img',
                '--label-dir', 'lab', '--nproc', '1')
    assert done.returncode == 0, done.stderr
    assert 'skipped 1 files that are not images' in done.stdout
    image = cv2.imread(str(tmp_path / 'dst' / 'img' / 'a.png'))
    assert image.shape == (20, 30, 3) and (image == 128).all()
    label = np.asarray(Image.open(tmp_path / 'dst' / 'lab' / 'a.png'))
    assert label.shape == (20, 30) and set(np.unique(label)) == {1, 2, 3, 4}
    assert label[0, 0] == 1 and label[-1, -1] == 4


def test_a_copy_of_another_scale_is_refused(tmp_path):
    from mmiic.analysis import shrink_dataset, shrink_dataset_cfg
    from mmiic.datasets import check_prescaled
    src = make_cocostuff(str(tmp_path / 'coco'), names=1, splits=('train2017', ))
    half = shrink_dataset(src, str(tmp_path / 'half'), 0.5, ['images/train2017'])
    check_prescaled(half, 0.5)
    with pytest.raises(ValueError, match=r'shrunk to scale 0.5, the config expects 0.33333'):
        check_prescaled(half, 1 / 3)
    with pytest.raises(ValueError, match='needs data_root'):
        check_prescaled(None, 0.5)
    # A copy of the earlier, lossy tool (JPEGs re-encoded) is refused.
    with open(osp.join(half, 'prescaled.json')) as f:
        record = json.load(f)
    del record['images']
    with open(osp.join(half, 'prescaled.json'), 'w') as f:
        json.dump(record, f)
    with pytest.raises(ValueError, match='re-encoded JPEGs lossily'):
        check_prescaled(half, 0.5)
    with pytest.raises(KeyError, match='data_prefix.img_path'):
        shrink_dataset_cfg(dict(type='X', data_root=src), str(tmp_path / 'y'), 0.5)
