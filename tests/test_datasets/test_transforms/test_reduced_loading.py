"""LoadResizedImage: one step for load + Resize, decoding JPEGs at reduced size."""
import os.path as osp

import cv2
import numpy as np
import pytest
from mmcv.transforms import LoadImageFromFile
from mmseg.datasets.transforms import Resize

from mmiic.datasets.transforms import LoadResizedImage
from mmiic.datasets.transforms.reduced_loading import reduction_for
from mmiic.testing.fake_data import _photo_like


def _files(tmp_path, size=(97, 130)):
    rng = np.random.default_rng(0)
    img_path = osp.join(tmp_path, 'img.jpg')
    cv2.imwrite(img_path, _photo_like(rng, size))
    seg = np.kron(rng.integers(0, 5, (size[0] // 4 + 1, size[1] // 4 + 1)),
                  np.ones((4, 4), np.int64))[:size[0], :size[1]].astype(np.uint8)
    return img_path, seg


def test_reduction_is_the_largest_power_of_two_within_the_scale():
    scales = (1.0, 0.6, 0.5, 1 / 3, 0.25, 0.2, 0.1)
    assert [reduction_for(s) for s in scales] == [1, 1, 2, 2, 4, 4, 8]


@pytest.mark.parametrize('scale', [1 / 3, 0.5, 0.9])
def test_same_sizes_and_labels_as_load_then_resize(tmp_path, scale):
    img_path, seg = _files(tmp_path)
    reference = LoadImageFromFile()(dict(img_path=img_path))
    reference.update(gt_seg_map=seg.copy(), seg_fields=['gt_seg_map'])
    reference = Resize(scale_factor=scale, keep_ratio=True)(reference)
    ours = LoadResizedImage(scale)(dict(img_path=img_path, gt_seg_map=seg.copy(),
                                        seg_fields=['gt_seg_map']))
    assert ours['img'].shape == reference['img'].shape
    assert ours['img_shape'] == reference['img_shape'] and ours['ori_shape'] == (97, 130)
    assert np.array_equal(ours['gt_seg_map'], reference['gt_seg_map'])
    # Decoding at reduced size changes the pixels a little, not the picture.
    diff = np.abs(ours['img'].astype(np.float64) - reference['img'])
    assert diff.mean() < 6


def test_label_of_another_size_is_named(tmp_path):
    img_path, seg = _files(tmp_path)
    with pytest.raises(ValueError, match=r'img.jpg .* differ in size'):
        LoadResizedImage(1 / 3)(dict(img_path=img_path, gt_seg_map=seg[:-1],
                                     seg_map_path='label.png'))
    with pytest.raises(FileNotFoundError, match='missing.jpg'):
        LoadResizedImage(1 / 3)(dict(img_path=osp.join(tmp_path, 'missing.jpg')))
    with pytest.raises(ValueError, match='scale_factor'):
        LoadResizedImage(1.5)


def test_exif_rotation_is_ignored_like_the_label_maps(tmp_path):
    """A JPEG tagged 'rotate 90' keeps its stored orientation and size (labels are not rotated)."""
    from PIL import Image
    stored = np.zeros((120, 90, 3), np.uint8)
    stored[:40] = 255  # white top band in the stored orientation
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 clockwise to display
    path = str(tmp_path / 'rotated.jpg')
    Image.fromarray(stored).save(path, exif=exif.tobytes(), quality=95)
    out = LoadResizedImage(scale_factor=1 / 3)(dict(img_path=path))
    assert out['img'].shape == (40, 30, 3) and out['ori_shape'] == (120, 90)
    assert out['img'][:10].mean() > 200 and out['img'][-10:].mean() < 50
