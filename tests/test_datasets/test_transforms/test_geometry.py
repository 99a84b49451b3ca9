"""Affine maps between views and the warps that apply them, on the CPU and batched."""
import cv2
import numpy as np
import pytest
import torch

from mmiic.datasets.transforms.geometry import (AFFINE_DRAWS, affine_from_uniforms,
                                                crop_resize_matrix, map_pixels, mirror,
                                                normalise_grid, on_pixel_grid, rotation_matrix,
                                                sample_affine, warp, warp_batch)

H, W = 9, 12


def _image(channels=3, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (H, W, channels), dtype=np.uint8)


def _apply(matrix, x, y):
    return (matrix @ np.array([x, y, 1.0]))[:2]


def _batch(img):
    return torch.from_numpy(img).permute(2, 0, 1)[None].double()


def test_uniforms_at_their_middle_draw_the_identity_and_the_centre_stays():
    """u = 0.5 draws no rotation, shear or shift; any rotation, scale and shear turn about the
    image centre ((W - 1) / 2, (H - 1) / 2)."""
    middle = np.full((1, AFFINE_DRAWS), 0.5)
    identity = affine_from_uniforms(middle, H, W, hflip_prob=0.0, max_rotation=30,
                                    max_shear=10, max_translation=3)
    np.testing.assert_allclose(identity[0], np.eye(3), atol=1e-12)
    u = np.random.default_rng(0).random((5, AFFINE_DRAWS))
    turned = affine_from_uniforms(u, H, W, hflip_prob=0.0, max_rotation=40,
                                  scale_range=(0.5, 2.0), max_shear=20)
    for matrix in turned:
        np.testing.assert_allclose(_apply(matrix, (W - 1) / 2, (H - 1) / 2),
                                   ((W - 1) / 2, (H - 1) / 2), atol=1e-9)
    assert not np.allclose(turned[0], turned[1])


def test_translations_and_flips_follow_their_draws():
    u = np.zeros((2, AFFINE_DRAWS))
    u[:, 3:5] = [[1.0, 0.0], [0.75, 0.25]]  # shift (+m, -m) and (+m/2, -m/2)
    u[:, 5:] = [[0.2, 0.9], [0.9, 0.2]]  # flips drawn below 0.5: h on the first, v on the second
    matrix = affine_from_uniforms(u, H, W, hflip_prob=0.5, vflip_prob=0.5, max_translation=4)
    # First: shifted by (4, -4), then mirrored left-right.
    np.testing.assert_allclose(_apply(matrix[0], 0, 0), (W - 1 - 4, -4))
    # Second: shifted by (2, -2), then mirrored top-bottom.
    np.testing.assert_allclose(_apply(matrix[1], 0, 0), (2, H - 1 + 2))
    with pytest.raises(ValueError, match=r'\[N, 7\] uniforms, got \(2, 6\)'):
        affine_from_uniforms(np.zeros((2, 6)), H, W)


def test_mirror_flips_only_the_chosen_samples_in_place():
    matrix = np.tile(np.eye(3), (2, 1, 1))
    out = mirror(matrix, np.array([True, False]), 0, W)
    assert out is matrix
    np.testing.assert_allclose(_apply(matrix[0], 0, 5), (W - 1, 5))
    np.testing.assert_allclose(matrix[1], np.eye(3))
    mirror(matrix, np.array([True, True]), 0, W)
    np.testing.assert_allclose(matrix[0], np.eye(3))  # twice: the identity


def test_crop_resize_matrix_lines_up_pixel_edges_as_cv2_resize():
    """The box's outer pixel edges land on the output's: x0 - 0.5 -> -0.5 and
    x0 + box_w - 0.5 -> out_w - 0.5 (same for y)."""
    matrix = crop_resize_matrix(np.array([[2, 1, 6, 4]]), (8, 12))[0]
    np.testing.assert_allclose(_apply(matrix, 2 - 0.5, 1 - 0.5), (-0.5, -0.5))
    np.testing.assert_allclose(_apply(matrix, 8 - 0.5, 5 - 0.5), (12 - 0.5, 8 - 0.5))
    img = _image(1)[..., 0]
    resized = cv2.resize(img[1:5, 2:8], (12, 8), interpolation=cv2.INTER_LINEAR)
    # Inside (away from the box edge, where cv2 repeats the cut-out's edge) both agree.
    warped = warp(img, matrix, out_size=(8, 12))
    assert np.abs(warped[2:-2, 2:-2].astype(int) - resized[2:-2, 2:-2]).max() <= 1


def test_rotation_matrix_is_opencvs_and_turns_a_quarter_exactly():
    np.testing.assert_allclose(rotation_matrix(np.array([33.0]), H, W)[0, :2],
                               cv2.getRotationMatrix2D(((W - 1) / 2, (H - 1) / 2), 33.0, 1.0))
    square = _image(1)[:9, :9, 0]
    quarter = rotation_matrix(np.array([90.0]), 9, 9)[0]
    # Counter-clockwise on screen, exactly (pixel centres onto pixel centres).
    np.testing.assert_array_equal(warp(square, quarter), np.rot90(square))
    assert on_pixel_grid(torch.from_numpy(quarter)[None]).item()


def test_on_pixel_grid_tells_gathers_from_resamplings():
    matrices = np.stack([
        mirror(np.eye(3)[None].copy(), np.array([True]), 1, H)[0],
        np.array([[1, 0, 3], [0, 1, -2], [0, 0, 1.0]]),
        np.array([[1, 0, 0.5], [0, 1, 0], [0, 0, 1.0]]),
        rotation_matrix(np.array([10.0]), H, W)[0],
    ])
    assert on_pixel_grid(torch.from_numpy(matrices)).tolist() == [True, True, False, False]


@pytest.mark.parametrize('border', ['reflect', 'constant', 'replicate'])
def test_batched_integer_shifts_and_flips_are_the_cpu_warp_bit_for_bit(border):
    """Flips and integer shifts are gathered on the batch path, with OpenCV's border rules
    (reflect = BORDER_REFLECT_101)."""
    img = _image()
    shift = np.array([[1, 0, 3], [0, 1, -2], [0, 0, 1.0]])
    flip = mirror(np.eye(3)[None].copy(), np.array([True]), 0, W)[0]
    for matrix in (shift, flip, flip @ shift):
        cpu = warp(img, matrix, border=border)
        device = warp_batch(_batch(img), matrix[None], border=border)[0].permute(1, 2, 0)
        np.testing.assert_array_equal(device.numpy(), cpu)
    np.testing.assert_array_equal(warp(img, flip), img[:, ::-1])


def test_batched_resampling_stays_close_to_the_cpu_warp():
    yy, xx = np.mgrid[:H, :W]
    smooth = (100 + 50 * np.sin(xx / 3.0) * np.cos(yy / 2.0)).astype(np.uint8)[..., None]
    matrix = affine_from_uniforms(np.array([[0.8, 0.3, 0.6, 0.7, 0.4, 1.0, 1.0]]), H, W,
                                  max_rotation=20, scale_range=(0.9, 1.1), max_shear=5,
                                  max_translation=1)
    cpu = warp(smooth, matrix[0], border='constant').astype(np.float64)
    device = warp_batch(_batch(smooth), matrix, border='constant')[0, 0].numpy()
    assert np.abs(device - cpu[..., 0]).max() <= 1.0  # the CPU rounds to uint8


def test_sample_affine_reads_where_the_map_sends_each_output_pixel():
    """sample_affine is the inverse direction of warp_batch: out[u] = images[M u]."""
    img = _batch(_image())
    shift = torch.tensor([[[1, 0, 2], [0, 1, 1], [0, 0, 1.0]]], dtype=torch.float64)
    out = sample_affine(img, shift, border='constant')
    torch.testing.assert_close(out[0, :, :H - 1, :W - 2], img[0, :, 1:, 2:])
    assert out[0, :, H - 1:].abs().sum() == 0 and out[0, :, :, W - 2:].abs().sum() == 0
    back = warp_batch(img, shift.inverse(), border='constant')
    np.testing.assert_array_equal(back[0].numpy(), out[0].numpy())


def test_map_pixels_and_normalise_grid_reach_the_corners():
    coords = map_pixels(torch.eye(3)[None], H, W)
    assert coords.shape == (1, H, W, 2)
    assert coords[0, H - 1, W - 1].tolist() == [W - 1, H - 1]
    grid = normalise_grid(coords, H, W)
    assert grid[0, 0, 0].tolist() == [-1, -1] and grid[0, H - 1, W - 1].tolist() == [1, 1]
