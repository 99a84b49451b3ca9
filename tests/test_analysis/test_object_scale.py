import numpy as np
import pytest

from mmiic.analysis import estimate_object_size, scale_energies, seg_scale_settings


def discs(diameter: float, size: int = 192, seed: int = 0, noise: float = 0.1) -> np.ndarray:
    """[size, size] image of random bright discs of one diameter on a dark background."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    img = np.zeros((size, size))
    for _ in range(max(1, int(size * size / (diameter * diameter) / 6))):
        cy, cx = rng.uniform(0, size, 2)
        img[(yy - cy)**2 + (xx - cx)**2 <= (diameter / 2)**2] = 1
    return img + rng.normal(0, noise, img.shape)


@pytest.mark.parametrize('diameter', [6, 12, 24])
def test_estimate_finds_the_disc_diameter(diameter):
    estimate = estimate_object_size([discs(diameter, seed=diameter)])
    assert estimate == pytest.approx(diameter, rel=0.25)


def test_estimate_orders_sizes_and_ignores_colour_and_dtype():
    small = estimate_object_size([discs(8)])
    large = estimate_object_size([discs(20)])
    assert large > 2 * small
    rgb = (np.repeat(discs(20)[..., None], 3, axis=2).clip(0, 1) * 65535).astype(np.uint16)
    assert estimate_object_size([rgb]) == pytest.approx(large, rel=0.1)


def test_energy_peaks_at_the_disc_scale():
    sigmas = np.array([1.0, 2.0, 4.24, 8.0, 16.0])  # disc of 12 px: sigma* = 12 / (2 sqrt 2)
    energies = scale_energies(discs(12), sigmas)
    assert int(np.argmax(energies)) == 2


def test_bad_input_is_named():
    with pytest.raises(ValueError, match='at least one image'):
        estimate_object_size([])
    with pytest.raises(ValueError, match='too small'):
        estimate_object_size([np.zeros((3, 3))])
    with pytest.raises(ValueError, match=r'\[H, W\]'):
        estimate_object_size([np.zeros((64, 64, 3, 2))])
    with pytest.raises(ValueError, match='object_size'):
        seg_scale_settings(0)


def test_settings_resize_things_to_the_trunk_size():
    s = seg_scale_settings(48)
    assert s['scale_factor'] == pytest.approx(0.5)
    assert s['object_size_after_resize'] == pytest.approx(24)
    assert s['displacement'] == 6
    tiny = seg_scale_settings(4)  # enlarging stops at 2x: 8 px things, d = 2
    assert tiny['scale_factor'] == 2.0 and tiny['displacement'] == 2
    huge = seg_scale_settings(1000)  # shrinking stops at 1/8
    assert huge['scale_factor'] == pytest.approx(1 / 8)


def test_answer_at_the_range_end_is_warned_about():
    with pytest.warns(UserWarning, match='lower end'):
        estimate_object_size([discs(3)], min_size=6)
