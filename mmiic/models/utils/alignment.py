"""Bring the second view's dense output back into the first view's frame."""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


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
    device = probs_t.device
    ys, xs = torch.meshgrid(torch.arange(h, device=device, dtype=torch.float64),
                            torch.arange(w, device=device, dtype=torch.float64), indexing='ij')
    coords = torch.stack([xs, ys, torch.ones_like(xs)], dim=-1).view(1, -1, 3)  # [1, HW, 3]
    mapped = (coords @ affine.double().transpose(1, 2)).view(n, h, w, 3)
    x2, y2 = mapped[..., 0], mapped[..., 1]
    tol = 1e-4
    valid = (x2 >= -tol) & (x2 <= w - 1 + tol) & (y2 >= -tol) & (y2 <= h - 1 + tol)
    # Flips and integer shifts land on pixel centres: gather those samples
    # exactly; bilinear resampling for the rest.
    xr, yr = x2.round(), y2.round()
    on_grid = (((x2 - xr).abs() < tol) & ((y2 - yr).abs() < tol)).flatten(1).all(dim=1)
    grid = torch.stack([2 * x2 / max(w - 1, 1) - 1, 2 * y2 / max(h - 1, 1) - 1], dim=-1)
    aligned = F.grid_sample(probs_t, grid.to(probs_t.dtype), mode='bilinear',
                            padding_mode='border', align_corners=True)
    if on_grid.any():
        idx = (yr.clamp(0, h - 1) * w + xr.clamp(0, w - 1)).long().flatten(1)  # [N, HW]
        gathered = probs_t.flatten(2).gather(2, idx[:, None].expand(-1, probs_t.shape[1], -1))
        aligned = torch.where(on_grid[:, None, None, None], gathered.view_as(probs_t), aligned)
    if mask_t is not None:
        # Full mass only if every pixel the bilinear sample reads is valid.
        sampled = F.grid_sample(mask_t[:, None].float(), grid.float(), mode='bilinear',
                                padding_mode='zeros', align_corners=True)[:, 0]
        valid = valid & (sampled >= 1 - 1e-3)
    if mask is not None:
        valid = valid & mask.bool()
    return aligned, valid
