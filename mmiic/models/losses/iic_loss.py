"""The IIC objective: negative mutual information of paired cluster assignments.

Two public functions hold all of the IIC maths in mmiic:

* :func:`iic_loss` for image clustering (one joint over the batch);
* :func:`dense_iic_loss` for segmentation (pixels paired with their
  neighbours at every displacement ``t`` with ``|t| <= d``). By default it
  is the ICCV paper's eq. 5, ``(1/|T|) sum_t I(P_t)``: one joint per shift,
  scored on its own, then averaged. ``per_displacement=False`` gives the
  earlier draft's one joint summed over all shifts (IID draft eq. 8), which
  the paper found to perform slightly worse.

Both share :func:`mutual_information_loss`, which scores a (batch of) joint
count matrices. :class:`IICLoss` wraps them as a registered mmseg-style loss.

Under data-parallel training (``global_joint=True``, the default) the joints
are summed over all ranks before they are scored, so every rank optimises the
mutual information of the whole global batch, as one process would.
"""
import sys
from typing import Optional

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmiic.registry import MODELS

EPS = sys.float_info.epsilon


def _float32_or_wider(x: Tensor) -> Tensor:
    """Accumulate joints in at least float32 (AMP gives half/bfloat16)."""
    return x if x.dtype in (torch.float32, torch.float64) else x.float()


def mutual_information_loss(joint: Tensor, lamb: float = 1.0) -> Tensor:
    """Score unnormalised joint matrices with ``-I_lamb``.

    Args:
        joint (Tensor): [..., k, k] non-negative co-occurrence masses; every
            leading index is one joint.
        lamb (float): entropy coefficient; ``lamb > 1`` favours equal
            cluster sizes. Defaults to 1.0.

    Returns:
        Tensor: [...] ``-sum P (ln P - lamb ln P_i - lamb ln P_j)`` per joint;
        exactly 0, with zero gradient, for a joint of zero mass (an empty
        batch), decided without a device-to-host sync.
    """
    joint = (joint + joint.transpose(-1, -2)) / 2
    mass = joint.sum(dim=(-2, -1), keepdim=True)
    joint = joint / mass.clamp(min=torch.finfo(joint.dtype).tiny)
    p_i = joint.sum(dim=-1, keepdim=True).clamp(min=EPS)
    p_j = joint.sum(dim=-2, keepdim=True).clamp(min=EPS)
    joint = joint.clamp(min=EPS)
    loss = -(joint * (joint.log() - lamb * p_i.log() - lamb * p_j.log())).sum(dim=(-2, -1))
    return loss * (mass[..., 0, 0] > 0)


def _sums_over_ranks(global_joint: bool = True) -> bool:
    """Whether ``global_joint`` takes effect: a process group of >1 ranks."""
    return (global_joint and dist.is_available() and dist.is_initialized()
            and dist.get_world_size() > 1)


class _SumOverRanks(torch.autograd.Function):
    """Differentiable ``all_reduce(SUM)`` of a joint over all ranks.

    The backward sums the incoming gradients over the ranks too. Every rank
    scores the same summed joint J, so each receives the same dL/dJ and the
    sum is ``world_size * dL/dJ``: the gradient a rank gets for its own
    samples is world_size times their whole-batch gradient, and DDP's
    average over ranks yields exactly the whole-batch gradient.
    (``torch.distributed.nn.functional.all_reduce`` is the same; this keeps
    the contract next to the loss and avoids importing the RPC package.)
    """

    @staticmethod
    def forward(ctx, joint: Tensor) -> Tensor:  # type: ignore[override]
        joint = joint.clone(memory_format=torch.contiguous_format)
        dist.all_reduce(joint)
        return joint

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:  # type: ignore[override]
        grad = grad.clone(memory_format=torch.contiguous_format)
        dist.all_reduce(grad)
        return grad


def _check_pair(probs: Tensor, probs_t: Tensor, ndim: int, layout: str) -> None:
    """Same shape, with ``ndim`` dimensions or one more (a leading sub-head axis)."""
    if probs.dim() not in (ndim, ndim + 1) or probs_t.dim() != probs.dim():
        raise ValueError(f'probs and probs_t must be {layout} (or [S, ...] for S sub-heads at '
                         f'once), got shapes {tuple(probs.shape)} and {tuple(probs_t.shape)}')
    if probs.shape != probs_t.shape:
        raise ValueError('probs and probs_t must have the same shape, got '
                         f'{tuple(probs.shape)} and {tuple(probs_t.shape)}')


def iic_loss(probs: Tensor,
             probs_t: Tensor,
             lamb: float = 1.0,
             global_joint: bool = True) -> Tensor:
    """IIC loss of paired cluster probabilities (paper eq. 3).

    Args:
        probs (Tensor): [N, k] softmax outputs for the first views (N may
            be 0 on some ranks), or [S, N, k] for S sub-heads scored at once.
        probs_t (Tensor): same shape, softmax outputs for the paired views.
        lamb (float): entropy coefficient. Defaults to 1.0.
        global_joint (bool): in a process group of W > 1 ranks, sum the
            [k, k] joint over the ranks, so that the loss on every rank is
            the loss of the whole global batch and the gradient of a rank's
            rows is W times their whole-batch gradient (DDP averages it back).
            Every rank must then call the loss the same number of times. No
            effect without a process group. Defaults to True.

    Returns:
        Tensor: ``-I(z, z')`` (with ``lamb = 1``), in ``[-ln k, 0]``; 0 when
        the (global) batch is empty. A scalar, or [S] for [S, N, k] inputs.
    """
    _check_pair(probs, probs_t, 2, '[N, k]')
    with torch.autocast(device_type=probs.device.type, enabled=False):
        probs, probs_t = _float32_or_wider(probs), _float32_or_wider(probs_t)
        joint = probs.transpose(-1, -2) @ probs_t
        if _sums_over_ranks(global_joint):
            joint = _SumOverRanks.apply(joint)
        return mutual_information_loss(joint, lamb)


def _as_mask(mask: Optional[Tensor], like: Tensor, name: str) -> Tensor:
    """[N, H, W] or [N, 1, H, W] bool/0-1 mask -> float [N, 1, H, W]."""
    n, (h, w) = like.shape[-4], like.shape[-2:]
    if mask is None:
        return like.new_ones(n, 1, h, w)
    if mask.dim() == 3:
        mask = mask.unsqueeze(1)
    if mask.shape != (n, 1, h, w):
        raise ValueError(f'{name} must be [N, H, W] or [N, 1, H, W] matching probs '
                         f'{tuple(like.shape)}, got {tuple(mask.shape)}')
    return (mask != 0).to(like.dtype)


def _cross_correlate(a: Tensor, b: Tensor, displacement: int) -> Tensor:
    """Sum over batch and pixels of ``a_u b_{u+t}^T`` for every shift ``t``.

    Computed in the frequency domain: O(k N HW log HW + k^2 N HW) instead of
    the O(k^2 (2d+1)^2 N HW) of a direct 2-D convolution. Zero padding to
    at least ``H + d`` stops circular wrap-around, so out-of-image pairs
    count zero. Leading axes (sub-heads) are independent problems solved in
    one batch.

    Args:
        a (Tensor): [*S, N, k, H, W].
        b (Tensor): [*S, N, c, H, W].
        displacement (int): d, the largest shift per axis.

    Returns:
        Tensor: [2d+1, 2d+1, *S, k, c]; entry [dy + d, dx + d] holds shift
        (dy, dx).
    """
    h, w = a.shape[-2:]
    size = (_fft_size(h + displacement), _fft_size(w + displacement))
    fa = torch.fft.rfft2(a, s=size)  # [*S, N, k, H', W'']
    fb = torch.fft.rfft2(b, s=size)  # [*S, N, c, H', W'']
    spectrum = torch.einsum('...nkfg,...ncfg->...kcfg', fa.conj(), fb)  # [*S, k, c, H', W'']
    row_phases, column_phases = _lag_phases(displacement, size, spectrum)
    # Only the (2d+1)^2 lags around 0 of the inverse transform are wanted:
    # two small dense products, not full inverse FFTs of k c planes.
    return torch.einsum('yf,...kcfg,xg->yx...kc', row_phases, spectrum, column_phases).real


def _fft_size(length: int) -> int:
    """The smallest product of 2, 3 and 5 that is >= ``length``.

    Sizes with only small prime factors transform fastest (138, the padded
    size of 128-pixel crops with d = 10, is 2 * 3 * 23 and took twice as long
    as 144 on a CPU).
    """
    size = length
    while True:
        rest = size
        for prime in (2, 3, 5):
            while rest % prime == 0:
                rest //= prime
        if rest == 1:
            return size
        size += 1


def _lag_phases(displacement: int, size: tuple, like: Tensor) -> tuple:
    """The inverse real 2-D DFT of a half spectrum at lags ``[-d, d]`` per axis.

    Args:
        displacement (int): d.
        size (tuple): (H', W') of the transform.
        like (Tensor): complex tensor giving the dtype and device.

    Returns:
        tuple: [2d+1, H'] row phases ``e^{+2 pi i r f / H'}`` and [2d+1,
        W' // 2 + 1] column phases, weighted so that the real part of
        ``rows @ spectrum @ columns^T`` is the inverse transform: the
        conjugate half of a real signal's spectrum counts twice, except
        frequency 0 and (for even W') the Nyquist frequency; 1 / (H' W').
    """
    rows, cols = size
    half = cols // 2 + 1
    device = like.device
    lags = torch.arange(-displacement, displacement + 1, device=device, dtype=torch.float64)
    weight = torch.full((half, ), 2.0, dtype=torch.float64, device=device)
    weight[0] = 1
    if cols % 2 == 0:
        weight[-1] = 1
    row_angle = 2 * torch.pi * lags[:, None] * torch.arange(rows, device=device) / rows
    column_angle = 2 * torch.pi * lags[:, None] * torch.arange(half, device=device) / cols
    row_phases = torch.polar(torch.ones_like(row_angle), row_angle)
    column_phases = torch.polar((weight / (rows * cols)).expand_as(column_angle), column_angle)
    return row_phases.to(like.dtype), column_phases.to(like.dtype)


def valid_pair_counts(mask: Tensor, mask_t: Tensor, displacement: int) -> Tensor:
    """Exact number of valid pixel pairs per shift.

    Args:
        mask (Tensor): [N, 1, H, W] 0/1 validity of the first view.
        mask_t (Tensor): [N, 1, H, W] 0/1 validity of the second view.
        displacement (int): d.

    Returns:
        Tensor: [2d+1, 2d+1] int64 counts of pairs (u, u+t) with both valid.
    """
    counts = _cross_correlate(mask.double(), mask_t.double(), displacement)
    return counts[..., 0, 0].round().long()


def dense_iic_loss(probs: Tensor,
                   probs_t: Tensor,
                   displacement: int = 10,
                   lamb: float = 1.0,
                   mask: Optional[Tensor] = None,
                   mask_t: Optional[Tensor] = None,
                   per_displacement: bool = True,
                   global_joint: bool = True) -> Tensor:
    """Dense IIC loss for segmentation (paper eq. 5 by default).

    Pixel ``u`` of the first view is paired with pixel ``u + t`` of the
    second view for every shift ``t in [-d, d]^2``. A pair counts only if both
    pixels lie inside the image and are valid in their masks.

    Args:
        probs (Tensor): [N, k, H, W] softmax outputs of the first views, or
            [S, N, k, H, W] for S sub-heads scored at once (they share the
            masks and the valid-pair counts, computed once).
        probs_t (Tensor): same shape, softmax outputs of the second views,
            already mapped back into the first view's frame.
        displacement (int): d, the largest shift per axis. Defaults to 10.
        lamb (float): entropy coefficient. Defaults to 1.0.
        mask (Tensor, optional): [N, H, W] or [N, 1, H, W] bool or 0/1
            validity of the first view's pixels. Defaults to all valid.
        mask_t (Tensor, optional): same for the second view. Defaults to
            ``mask``.
        per_displacement (bool): True scores each shift's joint P_t on its
            own and averages ``-I(P_t)`` over the shifts with at least one
            valid pair: the ICCV paper's eq. 5 and the published runs. False
            sums every shift into one joint before scoring it (the IID
            draft's eq. 8, "averaging over t before computing information",
            which the paper found slightly worse). Defaults to True.
        global_joint (bool): in a process group of W > 1 ranks, sum the
            joints and the valid-pair counts over the ranks (a shift counts if
            it has a valid pair on any rank; a rank whose pixels are all
            masked still takes part), so that every rank scores the whole
            global batch; see :func:`iic_loss`. Defaults to True.

    Returns:
        Tensor: the loss, a scalar or [S] for [S, N, k, H, W] inputs. When no
        pair is valid at all (e.g. every pixel masked, on every rank) the
        loss is exactly 0 and its gradient is zero, so such a batch does not
        disturb training.
    """
    _check_pair(probs, probs_t, 4, '[N, k, H, W]')
    if displacement < 0:
        raise ValueError(f'displacement must be >= 0, got {displacement}')
    with torch.autocast(device_type=probs.device.type, enabled=False):
        probs, probs_t = _float32_or_wider(probs), _float32_or_wider(probs_t)
        mask = _as_mask(mask, probs, 'mask')
        mask_t = mask if mask_t is None else _as_mask(mask_t, probs, 'mask_t')
        counts = valid_pair_counts(mask, mask_t, displacement)
        over_ranks = _sums_over_ranks(global_joint)
        if over_ranks:
            # Every rank then takes the same branches below and issues the
            # same collectives in the same order.
            dist.all_reduce(counts)
        if not bool((counts > 0).any()):
            return (probs.sum(dim=(-4, -3, -2, -1)) + probs_t.sum(dim=(-4, -3, -2, -1))) * 0
        probs, probs_t = probs * mask, probs_t * mask_t
        if per_displacement:
            joints = _cross_correlate(probs, probs_t, displacement)
            if over_ranks:
                joints = _SumOverRanks.apply(joints)
            joints = joints[counts > 0].clamp(min=0)  # [shifts, *S, k, k]
            return mutual_information_loss(joints, lamb).mean(dim=0)
        joint = _neighbourhood_joint(probs, probs_t, displacement)
        if over_ranks:
            joint = _SumOverRanks.apply(joint)
        return mutual_information_loss(joint, lamb)


def _neighbourhood_joint(probs: Tensor, probs_t: Tensor, displacement: int) -> Tensor:
    """Joint summed over all shifts: ``sum_u probs_u (sum_t probs_t_{u+t})^T``.

    The inner sum over shifts is a (2d+1)^2 box filter with zero padding, so
    the whole joint costs O(k N HW + k^2 N HW) rather than O(k^2 (2d+1)^2 N HW).

    Args:
        probs (Tensor): [*S, N, k, H, W] masked first-view probabilities.
        probs_t (Tensor): [*S, N, k, H, W] masked, aligned second-view ones.
        displacement (int): d.

    Returns:
        Tensor: [*S, k, k] unnormalised joint.
    """
    window = 2 * displacement + 1
    neighbourhood = _box_sum(probs_t, window)
    lead, k = probs.shape[:-4], probs.shape[-3]
    first = probs.transpose(-4, -3).reshape(*lead, k, -1)
    second = neighbourhood.transpose(-4, -3).reshape(*lead, k, -1)
    return first @ second.transpose(-1, -2)


def _box_sum(x: Tensor, window: int) -> Tensor:
    """Zero-padded sum over a window x window neighbourhood of each pixel.

    Uses cumulative sums (exact for any window, also larger than the image).

    Args:
        x (Tensor): [N, k, H, W].
        window (int): odd side length.

    Returns:
        Tensor: [N, k, H, W].
    """
    half = window // 2
    return _axis_box_sum(_axis_box_sum(x, half, -2), half, -1)


def _axis_box_sum(x: Tensor, half: int, dim: int) -> Tensor:
    """Sum of x over [i - half, i + half] along ``dim``, zeros outside."""
    length = x.shape[dim]
    pad = [0, 0] * (x.dim() - 1 - dim % x.dim()) + [half + 1, half]
    cum = F.pad(x, pad).cumsum(dim)
    return cum.narrow(dim, 2 * half + 1, length) - cum.narrow(dim, 0, length)


def conv2d_joints(probs: Tensor, probs_t: Tensor, displacement: int) -> Tensor:
    """The paper's reference formulation of the per-shift joints (slow).

    Kept for benchmarks and tests: ``F.conv2d`` with the batch as channels.

    Returns:
        Tensor: [2d+1, 2d+1, k, k] joints, same layout as the fast path.
    """
    joints = F.conv2d(probs_t.transpose(0, 1), probs.transpose(0, 1), padding=displacement)
    return joints.permute(2, 3, 1, 0)


@MODELS.register_module()
class IICLoss(nn.Module):
    """Registered IIC loss, configured like any mmseg loss.

    Image probabilities ([N, k]) use :func:`iic_loss`; dense probabilities
    ([N, k, H, W]) use :func:`dense_iic_loss`. With a leading sub-head axis
    ([S, N, k] or [S, N, k, H, W]) the S sub-heads are scored in one call and
    the loss is [S].

    Args:
        lamb (float): entropy coefficient; > 1 equalises cluster sizes.
            Defaults to 1.0.
        displacement (int): d, largest pixel shift of the dense loss.
            Defaults to 10.
        per_displacement (bool): score each shift's joint on its own and
            average over the shifts (paper eq. 5, the published runs); False
            scores one joint summed over the shifts (IID draft eq. 8).
            Defaults to True.
        loss_weight (float): multiplier of the loss. Defaults to 1.0.
        loss_name (str): key of the loss in the losses dict; must start with
            ``loss_`` so mmengine sums it into the total. Defaults to
            'loss_iic'.
        global_joint (bool): under data-parallel training, score the joint
            summed over all ranks (the whole global batch, as on one GPU)
            instead of each rank's shard. No effect in a single process.
            Defaults to True.
    """

    def __init__(self,
                 lamb: float = 1.0,
                 displacement: int = 10,
                 per_displacement: bool = True,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_iic',
                 global_joint: bool = True) -> None:
        super().__init__()
        if not loss_name.startswith('loss_'):
            raise ValueError(f"loss_name must start with 'loss_', got {loss_name!r}")
        if displacement < 0:
            raise ValueError(f'displacement must be >= 0, got {displacement}')
        self.lamb = lamb
        self.displacement = displacement
        self.per_displacement = per_displacement
        self.global_joint = global_joint
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self,
                probs: Tensor,
                probs_t: Tensor,
                mask: Optional[Tensor] = None,
                mask_t: Optional[Tensor] = None) -> Tensor:
        """Args:
            probs (Tensor): [N, k] or [N, k, H, W] first-view probabilities
                ([S, N, k] or [S, N, k, H, W]: S sub-heads at once).
            probs_t (Tensor): same shape, second views (aligned if dense).
            mask, mask_t (Tensor, optional): [N, H, W] pixel validity (dense).

        Returns:
            Tensor: weighted loss, a scalar or [S].
        """
        if probs.dim() in (2, 3):
            if mask is not None or mask_t is not None:
                raise ValueError('masks apply to dense [N, k, H, W] probabilities only')
            loss = iic_loss(probs, probs_t, self.lamb, self.global_joint)
        else:
            loss = dense_iic_loss(probs, probs_t, self.displacement, self.lamb, mask, mask_t,
                                  self.per_displacement, self.global_joint)
        return self.loss_weight * loss

    @property
    def loss_name(self) -> str:
        """Key of this loss in the losses dict."""
        return self._loss_name

    def extra_repr(self) -> str:
        return (f'lamb={self.lamb}, displacement={self.displacement}, '
                f'per_displacement={self.per_displacement}, global_joint={self.global_joint}, '
                f'loss_weight={self.loss_weight}')


__all__ = [
    'IICLoss', 'EPS', 'mutual_information_loss', 'iic_loss', 'dense_iic_loss', 'valid_pair_counts',
    'conv2d_joints'
]
