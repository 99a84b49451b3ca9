"""Bring the second view's dense output back into the first view's frame."""
from typing import Optional, Tuple

from torch import Tensor

from mmiic.datasets.transforms.geometry import map_pixels, sample_affine


def align_to_first_view(probs_t: Tensor,
                        affine: Tensor,
                        mask_t: Optional[Tensor] = None,
                        mask: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
    """Sample the second view's output at ``M u`` for every first-view pixel u.

    Args:
        probs_t (Tensor): [N, k, H, W] output of the second views.
        affine (Tensor): [N, 3, 3] matrices M mapping first-view pixel
            coordinates (x, y) to second-view coordinates (see
            :class:`IICDenseViews`).
        mask_t (Tensor, optional): [N, H, W] validity of second-view pixels.
        mask (Tensor, optional): [N, H, W] validity of first-view pixels: a
            pixel ignored there (e.g. a COCO "thing") stays ignored in the
            aligned second view too, whatever the resampling did.

    Returns:
        tuple: ``aligned`` [N, k, H, W] (bilinear; exact for flips and integer
        translations) and ``valid`` [N, H, W] bool: ``M u`` lies inside the
        second view, every ``mask_t`` pixel its bilinear sample reads is
        valid (conservative: no ignored content leaks in at boundaries) and,
        if given, ``mask`` holds at u.
    """
    n, _, h, w = probs_t.shape
    if affine.shape != (n, 3, 3):
        raise ValueError(f'affine must be [N, 3, 3] = [{n}, 3, 3], got {tuple(affine.shape)}')
    for name, m in (('mask_t', mask_t), ('mask', mask)):
        if m is not None and m.shape != (n, h, w):
            raise ValueError(f'{name} must be [N, H, W] = [{n}, {h}, {w}], got {tuple(m.shape)}')
    mapped = map_pixels(affine, h, w)  # [N, H, W, 2]
    x2, y2 = mapped[..., 0], mapped[..., 1]
    tol = 1e-4
    valid = (x2 >= -tol) & (x2 <= w - 1 + tol) & (y2 >= -tol) & (y2 <= h - 1 + tol)
    # Flips and integer shifts land on pixel centres and are gathered exactly.
    aligned = sample_affine(probs_t, affine, border='replicate')
    if mask_t is not None:
        # Full mass only if every pixel the bilinear sample reads is valid.
        sampled = sample_affine(mask_t[:, None].float(), affine, border='constant')[:, 0]
        valid = valid & (sampled >= 1 - 1e-3)
    if mask is not None:
        valid = valid & mask.bool()
    return aligned, valid
