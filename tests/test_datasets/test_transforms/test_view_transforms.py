"""The view steps: colour steps act on true colours (in the channel order the loader records);
every step draws its parameters and builds its map once, for the CPU and the device paths."""
import numpy as np
import pytest

from mmiic.datasets import CIFAR10Cluster
from mmiic.datasets.transforms import (IICCenterCropResize, IICDenseViews, IICRandomAffine,
                                       IICRandomColorJitter, IICRandomCropResize,
                                       IICRandomGreyscale, IICRandomHorizontalFlip,
                                       IICRandomRotation)
from mmiic.datasets.transforms.geometry import warp
from mmiic.datasets.transforms.view_randomness import CounterDraws, NumpyDraws
from mmiic.testing.fake_data import make_cifar10

RED_RGB = (200, 0, 0)
RED_LUMA = 0.299 * 200  # 59.8; the luma of the blue (0, 0, 200) would be 22.8


def _red(order):
    """A red image as a loader in ``order`` gives it."""
    pixel = RED_RGB if order == 'rgb' else RED_RGB[::-1]
    return np.tile(np.array(pixel, np.uint8), (4, 5, 1))


@pytest.fixture
def lowest_factors(monkeypatch):
    """Every jitter factor at the low end of its range: saturation 1.0 draws factor 0."""
    monkeypatch.setattr(np.random, 'uniform', lambda low=0.0, high=1.0: low)


@pytest.mark.parametrize('recorded', [None, 'bgr', 'rgb'])
def test_saturation_zero_gives_the_luma_of_the_true_colour(recorded, lowest_factors):
    """mmcv's LoadImageFromFile gives BGR and records nothing: a red pixel (0, 0, 200) came out
    22.8 (the luma of blue) instead of 59.8."""
    results = dict(img=_red(recorded or 'bgr'))
    if recorded:
        results['channel_order'] = recorded
    out = IICRandomColorJitter(saturation=1.0)(results)
    assert out['view_params']['color_jitter']['saturation'] == 0.0
    assert np.array_equal(out['img'], np.full((4, 5, 3), round(RED_LUMA), np.uint8))


@pytest.mark.parametrize('recorded', [None, 'bgr', 'rgb'])
def test_greyscale_is_the_luma_of_the_true_colour(recorded):
    results = dict(img=_red(recorded or 'bgr'))
    if recorded:
        results['channel_order'] = recorded
    out = IICRandomGreyscale(prob=1.0)(results)
    assert np.array_equal(out['img'], np.full((4, 5, 3), round(RED_LUMA), np.uint8))


def test_dense_views_jitter_the_loaders_colours(lowest_factors):
    """IICDenseViews passes the loader's channel order on to its jitter."""
    views = IICDenseViews(hflip_prob=0.0, jitter=dict(saturation=1.0),
                          first_view_jitter=dict(saturation=1.0))
    for order in ('bgr', 'rgb'):
        out = views(dict(img=_red(order), channel_order=order))
        for key in ('img', 'img_t'):
            assert np.array_equal(out[key], np.full((4, 5, 3), round(RED_LUMA), np.uint8)), key


def test_in_memory_rgb_data_sets_record_their_order(tmp_path):
    """CIFAR / STL-10 arrays are RGB; without a record they would be taken for BGR."""
    root = make_cifar10(str(tmp_path / 'cifar'))
    dataset = CIFAR10Cluster(data_root=root, pipeline=[])
    assert dataset[0]['channel_order'] == 'rgb'


# ------------------------------------------------- one definition of each step's draws and map
STEPS = [
    IICRandomCropResize(crop_sizes=(12, 16, 20), out_size=(10, 12)),
    IICCenterCropResize(crop_size=16, out_size=20),
    IICRandomHorizontalFlip(prob=0.5),
    IICRandomRotation(max_angle=30.0, prob=0.5),
    IICRandomAffine(max_rotation=20, scale_range=(0.8, 1.2), max_shear=5, max_translation=3),
    IICRandomColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1),
    IICRandomColorJitter(contrast=0.5),
    IICRandomGreyscale(prob=0.5),
]
RECORDS = {
    'crop': lambda p: dict(box=tuple(int(v) for v in p['box'][0])),
    'flip': lambda p: dict(flipped=bool(p['flipped'][0])),
    'rotation': lambda p: dict(angle=float(p['angle'][0])),
    'affine': lambda p: dict(matrix=p['matrix'][0].round(4).tolist()),
    'color_jitter': lambda p: dict(zip(('brightness', 'contrast', 'saturation', 'hue'),
                                       p['factors'][0].tolist())),
    'greyscale': lambda p: dict(grey=bool(p['grey'][0])),
}


def _noise(channels, size=(22, 26)):
    shape = size + (channels, ) if channels > 1 else size
    return np.random.default_rng(channels).integers(0, 256, shape, dtype=np.uint8)


@pytest.mark.parametrize('step', STEPS, ids=lambda s: type(s).__name__)
@pytest.mark.parametrize('channels', [1, 3])
def test_the_cpu_step_draws_what_its_sample_draws(step, channels):
    """Each step's parameters come from its ``sample`` on both paths: the CPU transform records
    what ``sample`` draws from numpy's state, and consumes exactly that much of the stream."""
    img = _noise(channels)
    for seed in range(8):
        np.random.seed(seed)
        out = step(dict(img=img.copy()))
        follower = np.random.rand()
        np.random.seed(seed)
        params = step.sample(NumpyDraws(), img.shape[:2], channels)
        assert np.random.rand() == follower
        (name, recorded), = out['view_params'].items()
        assert recorded == RECORDS[name](params)


@pytest.mark.parametrize('step', [s for s in STEPS if s.geometric and not s.crops],
                         ids=lambda s: type(s).__name__)
def test_the_cpu_step_warps_with_its_matrix(step):
    img = _noise(3)
    for seed in range(6):
        np.random.seed(seed)
        out = step(dict(img=img.copy()))['img']
        np.random.seed(seed)
        matrix = step.matrix(step.sample(NumpyDraws(), img.shape[:2], 3), img.shape[:2])[0]
        np.testing.assert_array_equal(out, warp(img, matrix, border='constant'))


def test_the_crop_matrix_is_the_cpu_crop_and_resize():
    """Inside the view (the CPU resizes the cut-out, whose edge it repeats)."""
    yy, xx = np.mgrid[:22, :26]
    img = (120 + 80 * np.sin(xx / 4.0) * np.cos(yy / 5.0)).astype(np.uint8)
    step = STEPS[0]
    for seed in range(6):
        np.random.seed(seed)
        out = step(dict(img=img.copy()))['img'].astype(float)
        np.random.seed(seed)
        matrix = step.matrix(step.sample(NumpyDraws(), img.shape, 1), img.shape)[0]
        warped = warp(img, matrix, out_size=step.out_size, border='replicate')
        assert np.abs(warped - out)[1:-1, 1:-1].max() <= 1


def test_batch_draws_reach_the_values_of_the_cpu_draws():
    """The same step drawn from counter uniforms (the device views) takes the values the CPU
    draws take, with the same frequencies."""
    crop, rotation, jitter = STEPS[0], STEPS[3], STEPS[5]
    batch = CounterDraws(np.random.default_rng(0).random((6000, 8)))
    cpu_boxes = []
    for seed in range(600):
        np.random.seed(seed)
        cpu_boxes.append(crop.sample(NumpyDraws(), (22, 26), 3)['box'][0])
    for boxes in (crop.sample(batch, (22, 26), 3)['box'], np.array(cpu_boxes)):
        sides = boxes[:, 2]
        assert {float(s) for s in sides} == {12.0, 16.0, 20.0}
        assert abs((sides == 12).mean() - 1 / 3) < 0.06
        for axis, size in ((0, 26), (1, 22)):  # x0 in [0, W - side], y0 in [0, H - side]
            for side in (12, 20):
                starts = boxes[sides == side, axis]
                assert starts.min() == 0 and starts.max() == size - side
    angles = rotation.sample(batch, (22, 26), 3)['angle']
    assert abs((angles == 0).mean() - 0.5) < 0.03 and np.abs(angles).max() <= 30
    orders = jitter.sample(batch, (22, 26), 3)['order']
    assert (np.sort(orders, axis=1) == np.arange(4)).all()  # every sample applies all four
    assert abs((orders[:, 0] == 2).mean() - 0.25) < 0.03  # each comes first a quarter of times
    grey = jitter.sample(batch, (22, 26), 1)['order']
    assert (np.sort(grey, axis=1) == [0, 1]).all()  # saturation and hue need colour


def test_a_crop_larger_than_the_image_is_refused_before_any_draw():
    """Also when the drawn size would fit: the error does not depend on the draw."""
    step = IICRandomCropResize(crop_sizes=(8, 30), out_size=8)
    np.random.seed(0)
    state = np.random.get_state()[1].copy()
    with pytest.raises(ValueError, match=r'crop size 30 exceeds image 22x26 \(b.png\)'):
        step(dict(img=_noise(3), img_path='b.png'))
    assert np.array_equal(np.random.get_state()[1], state)
