"""Colour jitter and greyscale as per-sample colour maps, one image or a batch."""
import numpy as np
import pytest
import torch

from mmiic.datasets.transforms.photometric import (LUMA, greyscale, jitter, jitter_factors,
                                                   jitter_image, jitter_matrices, luma_weights)
from mmiic.datasets.transforms.view_randomness import CounterDraws, NumpyDraws

BRIGHTNESS, CONTRAST, SATURATION, HUE = range(4)
NEUTRAL = np.array([1.0, 1.0, 1.0, 0.0])


def _factors(**changed):
    factors = NEUTRAL.copy()
    for name, value in changed.items():
        factors[('brightness', 'contrast', 'saturation', 'hue').index(name)] = value
    return factors


def _pixels(seed=0, size=(5, 6)):
    rng = np.random.default_rng(seed)
    return rng.integers(20, 236, size + (3, )).astype(np.float32)


def test_brightness_and_saturation_maps():
    brightness = jitter_matrices(np.array([BRIGHTNESS]), _factors(brightness=1.3)[None], 3)[0]
    np.testing.assert_allclose(brightness, 1.3 * np.eye(3))
    grey = jitter_matrices(np.array([SATURATION]), _factors(saturation=0.0)[None], 3)[0]
    np.testing.assert_allclose(grey, np.tile(LUMA, (3, 1)))  # every channel becomes the luma
    # Steps that need colour leave other channel counts alone.
    single = jitter_matrices(np.array([SATURATION, HUE]), np.stack([_factors(saturation=0.0),
                                                                    _factors(hue=0.3)]), 1)
    np.testing.assert_allclose(single, np.ones((2, 1, 1)))


def test_hue_turns_about_the_grey_axis_and_bgr_swaps_the_map():
    turn = jitter_matrices(np.array([HUE]), _factors(hue=0.25)[None], 3)[0]
    np.testing.assert_allclose(turn @ np.full(3, 80.0), np.full(3, 80.0), atol=1e-9)
    np.testing.assert_allclose(np.asarray(LUMA) @ turn, LUMA, atol=1e-9)  # keeps the luma
    assert np.abs(turn - np.eye(3)).max() > 0.1
    swapped = jitter_matrices(np.array([HUE]), _factors(hue=0.25)[None], 3, bgr=True)[0]
    np.testing.assert_allclose(swapped, turn[::-1, ::-1])
    assert luma_weights(True) == LUMA[::-1]


def test_contrast_pulls_towards_the_image_mean_and_steps_clip():
    img = _pixels()
    flat = jitter_image(img, _factors(contrast=0.0), np.array([CONTRAST]))
    np.testing.assert_allclose(flat, np.full_like(img, img.mean()), rtol=1e-6)
    bright = jitter_image(img, _factors(brightness=3.0), np.array([BRIGHTNESS]))
    assert bright.max() == 255 and (bright[img * 3 >= 255] == 255).all()
    stretched = jitter_image(img, _factors(contrast=3.0), np.array([CONTRAST]))
    assert stretched.min() == 0 and (stretched[3 * img < 2 * img.mean()] == 0).all()


@pytest.mark.parametrize('order', [[0, 1, 2, 3], [3, 2, 1, 0], [1, 3], [2]])
def test_the_batch_jitter_is_the_one_image_jitter(order):
    """Per sample: its own factors, order and channel order; the batch applies one product per
    step."""
    images = np.stack([_pixels(seed) for seed in range(3)])
    factors = np.array([[1.2, 0.7, 0.4, 0.1], [0.8, 1.3, 1.5, -0.2], [1.0, 0.5, 0.0, 0.45]])
    orders = np.array([order, order[::-1], order])
    bgr = np.array([False, True, False])
    batch = torch.from_numpy(images).permute(0, 3, 1, 2).double()
    out = jitter(batch, factors, orders, bgr=bgr).permute(0, 2, 3, 1).numpy()
    for i in range(3):
        one = jitter_image(images[i], factors[i], orders[i], bool(bgr[i]))
        np.testing.assert_allclose(out[i], one, atol=2e-3)


def test_greyscale_uses_each_samples_channel_order():
    red = np.zeros((2, 3, 2, 2))
    red[0, 0], red[1, 2] = 200, 200  # red in RGB, red in BGR
    out = greyscale(torch.from_numpy(red), np.array([True, True]), np.array([False, True]))
    torch.testing.assert_close(out, torch.full_like(out, 0.299 * 200))
    kept = greyscale(torch.from_numpy(red), np.array([False, True]), np.array([False, True]))
    torch.testing.assert_close(kept[0], torch.from_numpy(red[0]))
    single = torch.ones(2, 1, 2, 2)
    assert greyscale(single, np.array([True, True])) is single


def test_jitter_factors_map_uniforms_to_their_ranges():
    u = np.array([[0.0, 1.0, 0.5, 0.0], [0.25, 0.75, 0.5, 1.0]])
    np.testing.assert_allclose(jitter_factors(u, 0.4, 1.5, 0.2, 0.1),
                               [[0.6, 2.5, 1.0, -0.1], [0.8, 1.875, 1.0, 0.1]])
    # Strength 0 stays neutral; so do saturation and hue of images without 3 channels.
    np.testing.assert_allclose(jitter_factors(u.tolist(), 0.0, 0.0, 0.5, 0.3, colour=False),
                               np.tile(NEUTRAL, (2, 1)))


def test_jitter_factors_draw_only_what_can_change_the_image():
    """On the CPU the factors come from numpy's running state in call order, one draw per
    factor that can act: what a step leaves undrawn, the next step draws."""
    np.random.seed(0)
    expected = np.random.random_sample(3)
    np.random.seed(0)
    factors = jitter_factors(NumpyDraws(), 0.5, 0.0, 0.5, 0.2, colour=False)[0]
    np.testing.assert_allclose(factors, [0.5 + expected[0], 1.0, 1.0, 0.0])
    assert np.random.random_sample() == expected[1]
    np.random.seed(0)
    factors = jitter_factors(NumpyDraws(), 0.5, 0.0, 0.5, 0.2)[0]
    np.testing.assert_allclose(factors, [0.5 + expected[0], 1.0, 0.5 + expected[1],
                                         0.2 * (2 * expected[2] - 1)])
    # The batch draws column i for factor i, whatever the other strengths.
    u = np.random.default_rng(0).random((4, 8))
    batch = jitter_factors(CounterDraws(u), 0.5, 0.0, 0.5, 0.2)
    np.testing.assert_allclose(batch[:, 2], 0.5 + u[:, 2])
