"""LoadResizedImage: one step for load + Resize, with the same pixels as the two steps."""
import os.path as osp

import cv2
import numpy as np
import pytest
import skimage.data
from mmcv.transforms import LoadImageFromFile
from mmseg.datasets.transforms import Resize

from mmiic.datasets.transforms import LoadResizedImage
from mmiic.testing.fake_data import _photo_like

PHOTOS = ('astronaut', 'coffee', 'chelsea', 'rocket')  # scikit-image's bundled photographs


def _files(tmp_path, size=(97, 130)):
    rng = np.random.default_rng(0)
    img_path = osp.join(tmp_path, 'img.jpg')
    cv2.imwrite(img_path, _photo_like(rng, size))
    seg = np.kron(rng.integers(0, 5, (size[0] // 4 + 1, size[1] // 4 + 1)),
                  np.ones((4, 4), np.int64))[:size[0], :size[1]].astype(np.uint8)
    return img_path, seg


def _load_then_resize(img_path, scale, seg=None):
    """The COCO-Stuff test pipeline's two steps."""
    results = LoadImageFromFile(color_type='color_ignore_orientation')(dict(img_path=img_path))
    if seg is not None:
        results.update(gt_seg_map=seg.copy(), seg_fields=['gt_seg_map'])
    return Resize(scale_factor=scale, keep_ratio=True)(results)


def _sobel_magnitude(img):
    grey = img.astype(np.float64) @ np.array([0.114, 0.587, 0.299])  # BGR
    gx, gy = cv2.Sobel(grey, cv2.CV_64F, 1, 0), cv2.Sobel(grey, cv2.CV_64F, 0, 1)
    return np.hypot(gx, gy)[1:-1, 1:-1].mean()


@pytest.mark.parametrize('scale', [1 / 3, 0.5, 2 / 3, 0.9, 1.0])
def test_same_pixels_sizes_and_labels_as_load_then_resize(tmp_path, scale):
    img_path, seg = _files(tmp_path)
    reference = _load_then_resize(img_path, scale, seg)
    ours = LoadResizedImage(scale)(dict(img_path=img_path, gt_seg_map=seg.copy(),
                                        seg_fields=['gt_seg_map']))
    assert ours['img_shape'] == reference['img_shape'] and ours['ori_shape'] == (97, 130)
    assert np.array_equal(ours['img'], reference['img'])
    assert np.array_equal(ours['gt_seg_map'], reference['gt_seg_map'])
    assert ours['channel_order'] == 'bgr'


def test_training_and_test_decoding_agree_on_photos(tmp_path):
    """COCO-Stuff's scale 1/3 on four photographs saved as JPEGs: the device-views configs'
    training loader (LoadResizedImage) and their test loader give the same pixels. Decoding the
    JPEGs at half size first, as LoadResizedImage did, gave Sobel magnitudes 5-14 % larger at
    test time than in training on these photos (ratios 1.05, 1.10, 1.08, 1.14)."""
    for name in PHOTOS:
        path = osp.join(tmp_path, name + '.jpg')
        cv2.imwrite(path, getattr(skimage.data, name)()[..., ::-1])
        test = _load_then_resize(path, 1 / 3)['img']
        train = LoadResizedImage(1 / 3)(dict(img_path=path))['img']
        assert np.array_equal(train, test), name
        half = cv2.imread(path, cv2.IMREAD_REDUCED_COLOR_2 | cv2.IMREAD_IGNORE_ORIENTATION)
        reduced = cv2.resize(half, test.shape[1::-1], interpolation=cv2.INTER_LINEAR)
        assert _sobel_magnitude(test) / _sobel_magnitude(reduced) > 1.04, name  # what it fixed


def test_to_rgb_is_recorded(tmp_path):
    img_path, _ = _files(tmp_path)
    bgr = LoadResizedImage(0.5)(dict(img_path=img_path))
    rgb = LoadResizedImage(0.5, to_rgb=True)(dict(img_path=img_path))
    assert rgb['channel_order'] == 'rgb' and np.array_equal(rgb['img'], bgr['img'][..., ::-1])


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
