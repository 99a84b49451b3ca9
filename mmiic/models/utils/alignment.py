"""Bring the second view's dense output back into the first view's frame."""
from typing import Optional, Tuple

from torch import Tensor

from mmiic.datasets.transforms.geometry import map_pixels, sample_affine


def align_to_first_view(probs_t: Tensor,
                        affine: Tensor,
                        mask_t: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
    """Sample the second view's output at ``M u`` for every first-view pixel u.

    Args:
        probs_t (Tensor): [N, k, H, W] output of the second views.
        affine (Tensor): [N, 3, 3] matrices M mapping first-view pixel
            coordinates (x, y) to second-view coordinates (see
            :class:`IICDenseViews`).
        mask_t (Tensor, optional): [N, H, W] validity of second-view pixels.

    Returns:
        tuple: ``aligned`` [N, k, H, W] (bilinear; exact for flips and integer
        translations) and ``valid`` [N, H, W] bool: ``M u`` lies inside the
        second view and, if given, on a valid pixel of ``mask_t``.
    """
    n, _, h, w = probs_t.shape
    if affine.shape != (n, 3, 3):
        raise ValueError(f'affine must be [N, 3, 3] = [{n}, 3, 3], got {tuple(affine.shape)}')
    if mask_t is not None and mask_t.shape != (n, h, w):
        raise ValueError(f'mask_t must be [N, H, W] = [{n}, {h}, {w}], got {tuple(mask_t.shape)}')
    mapped = map_pixels(affine, h, w)  # [N, H, W, 2]
    x2, y2 = mapped[..., 0], mapped[..., 1]
    tol = 1e-4
    valid = (x2 >= -tol) & (x2 <= w - 1 + tol) & (y2 >= -tol) & (y2 <= h - 1 + tol)
    # Flips and integer shifts land on pixel centres and are gathered exactly.
    aligned = sample_affine(probs_t, affine, border='replicate')
    if mask_t is not None:
        sampled = sample_affine(mask_t[:, None].float(), affine, nearest=True, border='constant')
        valid = valid & (sampled[:, 0] > 0.5)
    return aligned, valid
