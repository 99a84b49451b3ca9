"""Colour steps of the views act on true colours, in the channel order the loader records."""
import numpy as np
import pytest

from mmiic.datasets import CIFAR10Cluster
from mmiic.datasets.transforms import IICDenseViews, IICRandomColorJitter, IICRandomGreyscale
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
