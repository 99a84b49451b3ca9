import numpy as np
import pytest
import torch

from mmiic.datasets.transforms import (IICCenterCropResize, IICPairedViews, PackIICClsInputs,
                                       IICRandomColorJitter, IICRandomCropResize, IICRandomGreyscale,
                                       IICRandomHorizontalFlip, IICRandomRotation)

FIRST = [dict(type='mmiic.IICCenterCropResize', crop_size=20, out_size=24)]
PAIRED = [
    dict(type='mmiic.IICRandomCropResize', crop_sizes=(16, 20), out_size=24),
    dict(type='mmiic.IICRandomHorizontalFlip', prob=0.5),
    dict(type='mmiic.IICRandomRotation', max_angle=25),
    dict(type='mmiic.IICRandomColorJitter', brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1),
    dict(type='mmiic.IICRandomGreyscale', prob=0.5),
]


def _image(channels=3, side=28):
    rng = np.random.default_rng(0)
    shape = (side, side, channels) if channels > 1 else (side, side)
    return rng.integers(0, 256, shape, dtype=np.uint8)


@pytest.mark.parametrize('channels', [1, 3])
def test_paired_views_shapes_params_and_packing(channels):
    t = IICPairedViews(FIRST, PAIRED, num_repeats=3)
    out = t(dict(img=_image(channels), gt_label=4))
    assert out['img'].shape[:2] == (24, 24)
    assert len(out['img_views']) == 3 and all(v.shape == out['img'].shape for v in out['img_views'])
    assert len(out['view_params']) == 4
    assert set(out['view_params'][1]) == {'crop', 'flip', 'rotation', 'color_jitter', 'greyscale'}
    packed = PackIICClsInputs()(out)
    assert packed['inputs'].shape == (4, channels, 24, 24) and packed['inputs'].dtype == torch.uint8
    assert packed['data_samples'].gt_label.item() == 4
    assert len(packed['data_samples'].view_params) == 4


def test_views_differ_and_are_deterministic_under_seed():
    t = IICPairedViews(FIRST, PAIRED, num_repeats=2)
    np.random.seed(3)
    a = t(dict(img=_image()))
    np.random.seed(3)
    b = t(dict(img=_image()))
    for x, y in zip(a['img_views'], b['img_views']):
        np.testing.assert_array_equal(x, y)
    assert a['view_params'] == b['view_params']
    assert not np.array_equal(a['img_views'][0], a['img_views'][1])


def test_seeded_views_depend_only_on_the_sample_index():
    """Evaluation views must not depend on which worker/rank loads the image."""
    t = IICPairedViews(FIRST, PAIRED, num_repeats=2, seed=7)
    np.random.seed(1)
    a = t(dict(img=_image(), sample_idx=5))
    after_a = np.random.get_state()[1].copy()
    np.random.seed(2)
    np.random.rand(17)
    b = t(dict(img=_image(), sample_idx=5))
    assert a['view_params'] == b['view_params']
    np.random.seed(1)
    np.testing.assert_array_equal(np.random.get_state()[1], after_a)  # state restored
    c = t(dict(img=_image(), sample_idx=6))
    assert c['view_params'] != a['view_params']
    with pytest.raises(KeyError, match='sample_idx'):
        t(dict(img=_image()))


def test_first_view_is_the_centre_crop():
    img = _image(1)
    out = IICCenterCropResize(crop_size=20, out_size=20)(dict(img=img.copy()))
    np.testing.assert_array_equal(out['img'], img[4:24, 4:24])


def test_flip_and_rotation_are_exact_when_trivial():
    img = _image(3)
    out = IICRandomHorizontalFlip(prob=1.0)(dict(img=img.copy()))
    np.testing.assert_array_equal(out['img'], img[:, ::-1])
    out = IICRandomRotation(max_angle=0.0)(dict(img=img.copy()))
    np.testing.assert_array_equal(out['img'], img)


def test_jitter_changes_pixels_but_keeps_range_and_grey_stays_grey():
    np.random.seed(0)
    img = _image(3)
    out = IICRandomColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.2)(dict(img=img.copy()))
    assert out['img'].dtype == np.uint8 and not np.array_equal(out['img'], img)
    grey = IICRandomGreyscale(prob=1.0)(dict(img=img.copy()))['img']
    assert np.array_equal(grey[..., 0], grey[..., 1]) and np.array_equal(grey[..., 1], grey[..., 2])


def test_crop_larger_than_image_names_the_file():
    with pytest.raises(ValueError, match=r'crop size 40 exceeds image 28x28 \(a.png\)'):
        IICRandomCropResize(crop_sizes=(40, ), out_size=24)(dict(img=_image(), img_path='a.png'))


def test_views_of_different_sizes_are_refused():
    t = IICPairedViews([dict(type='mmiic.IICCenterCropResize', crop_size=20, out_size=20)], PAIRED)
    with pytest.raises(ValueError, match='same out_size'):
        t(dict(img=_image()))
