"""The second view, mapped back through the recorded affine map, equals the first."""
import numpy as np
import pytest
import torch

from mmiic.datasets.transforms import IICDenseViews, PackIICSegInputs
from mmiic.models.utils import align_to_first_view


def _views(seed, **kwargs):
    np.random.seed(seed)
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)
    seg = rng.integers(0, 3, (40, 48)).astype(np.uint8)
    seg[:5, :5] = 255
    out = IICDenseViews(**kwargs)(dict(img=img, gt_seg_map=seg))
    return out


def _map_back(out):
    """The identity network: its output is the image itself."""
    second = torch.from_numpy(out['img_t']).permute(2, 0, 1)[None].double()
    affine = torch.from_numpy(out['view_affine'])[None]
    mask_t = torch.from_numpy(out['valid_mask_t'])[None]
    aligned, valid = align_to_first_view(second, affine, mask_t)
    first = torch.from_numpy(out['img']).permute(2, 0, 1)[None].double()
    return first, aligned, valid


@pytest.mark.parametrize('kwargs', [
    dict(hflip_prob=1.0),
    dict(hflip_prob=0.0, vflip_prob=1.0),
    dict(hflip_prob=0.0, max_translation=9),
    dict(hflip_prob=1.0, vflip_prob=1.0, max_translation=15),
])
def test_flips_and_translations_align_exactly(kwargs):
    for seed in range(4):
        out = _views(seed, **kwargs)
        if kwargs.get('max_translation'):  # integer shifts only for exactness
            out = _views(seed, **kwargs)
            matrix = out['view_affine'].copy()
            matrix[:2, 2] = np.round(matrix[:2, 2])
            from mmiic.datasets.transforms import warp
            out['img_t'] = warp(out['img'], matrix)
            out['valid_mask_t'] = warp(out['valid_mask'], matrix, nearest=True, border='constant')
            out['view_affine'] = matrix.astype(np.float32)
        first, aligned, valid = _map_back(out)
        assert valid.any()
        assert torch.equal(aligned[0][:, valid[0]], first[0][:, valid[0]])
        mask = torch.from_numpy(out['valid_mask']).bool()
        assert not (valid[0] & ~mask).any()  # ignored pixels stay invalid after the round trip


def test_affine_aligns_to_interpolation_tolerance():
    # A smooth image keeps bilinear resampling error small.
    yy, xx = np.mgrid[0:40, 0:48]
    smooth = (127 + 60 * np.sin(xx / 6.0) * np.cos(yy / 7.0)).astype(np.uint8)
    img = np.repeat(smooth[..., None], 3, axis=2)
    np.random.seed(0)
    out = IICDenseViews(hflip_prob=0.5, max_rotation=20, scale_range=(0.9, 1.1), max_shear=8,
                        max_translation=6)(dict(img=img))
    first, aligned, valid = _map_back(out)
    assert valid.float().mean() > 0.5
    err = (aligned[0][:, valid[0]] - first[0][:, valid[0]]).abs()
    assert err.mean() < 2.0 and err.max() < 20
    # Pixels that left the image are invalid, not silently compared.
    assert not valid.all()


def test_packing_and_size_mismatch():
    out = _views(0, hflip_prob=0.5, jitter=dict(brightness=0.2))
    packed = PackIICSegInputs()(out)
    assert packed['inputs'].shape == (2, 3, 40, 48)
    sample = packed['data_samples']
    assert sample.gt_sem_seg.data.shape == (1, 40, 48)
    assert sample.view_affine.shape == (3, 3) and sample.valid_mask_t.shape == (40, 48)
    with pytest.raises(ValueError, match='sizes differ'):
        IICDenseViews()(dict(img=np.zeros((4, 4, 3), np.uint8), gt_seg_map=np.zeros((5, 4))))


def _affine_samples():
    """20 random non-grid warps of images with ignored blobs: (seg [H, W],
    second view [1, 3, H, W] double, packed transform outputs)."""
    rng = np.random.default_rng(0)
    for seed in range(20):
        img = rng.integers(0, 101, (40, 48, 3), dtype=np.uint8)
        seg = rng.integers(0, 3, (40, 48)).astype(np.uint8)
        for _ in range(4):  # ignored blobs, as COCO's "thing" pixels
            y, x = rng.integers(0, 36), rng.integers(0, 44)
            seg[y:y + rng.integers(2, 6), x:x + rng.integers(2, 6)] = 255
        img[seg == 255] = 255  # ignored content is recognisable after resampling
        np.random.seed(seed)
        out = IICDenseViews(hflip_prob=0.5, max_rotation=30, scale_range=(0.8, 1.2), max_shear=10,
                            max_translation=8)(dict(img=img, gt_seg_map=seg))
        yield seg, torch.from_numpy(out['img_t']).permute(2, 0, 1)[None].double(), out


def test_second_view_mask_alone_keeps_ignored_content_out_after_affine_warps():
    """The round trip of ``valid_mask_t`` by itself (no first-view mask): no
    valid aligned pixel reads ignored content. Two nearest resamplings of the
    mask let boundary pixels through (97 over these 20 warps)."""
    mixed = 0
    for _, second, out in _affine_samples():
        aligned, valid = align_to_first_view(second, torch.from_numpy(out['view_affine'])[None],
                                             torch.from_numpy(out['valid_mask_t'])[None])
        mixed += int((aligned[0][:, valid[0]] > 100.5).any(dim=0).sum())
    assert mixed == 0


def test_no_ignored_pixel_counts_as_valid_after_random_affine_warps():
    """With the first-view mask too: pixels ignored in the first view stay
    invalid after the round trip, and no valid aligned pixel mixes in
    ignored content (every pixel its interpolation reads is valid)."""
    leaked, mixed, kept = 0, 0, 0
    for seg, second, out in _affine_samples():
        mask = torch.from_numpy(out['valid_mask'])[None]
        aligned, valid = align_to_first_view(second, torch.from_numpy(out['view_affine'])[None],
                                             torch.from_numpy(out['valid_mask_t'])[None], mask)
        leaked += int((valid[0] & (torch.from_numpy(seg) == 255)).sum())
        mixed += int((aligned[0][:, valid[0]] > 100.5).any(dim=0).sum())
        kept += int(valid.sum())
    assert leaked == 0 and mixed == 0
    assert kept > 20 * 40 * 48 * 0.4  # still most of the labelled pixels


def test_valid_masks_stay_exact_for_grid_warps():
    seg = np.zeros((6, 8), np.uint8)
    seg[2, 3] = 255
    np.random.seed(0)
    out = IICDenseViews(hflip_prob=1.0)(dict(img=np.zeros((6, 8, 3), np.uint8), gt_seg_map=seg))
    assert np.array_equal(out['valid_mask_t'], out['valid_mask'][:, ::-1])
