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
The dense joints themselves (FFT cross-correlation over the shifts, box sums)
are computed by the kernels of :mod:`.joint_kernels`.

Under data-parallel training (``global_joint=True``, the default) the joints
are summed over all ranks before they are scored, so every rank optimises the
mutual information of the whole global batch, as one process would.
"""
import sys
from typing import Optional

import torch
import torch.distributed as dist
import torch.nn as nn
from torch import Tensor

from mmiic.registry import MODELS
from .joint_kernels import cross_correlate, neighbourhood_joint, valid_pair_counts

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
            joints = cross_correlate(probs, probs_t, displacement)
            if over_ranks:
                joints = _SumOverRanks.apply(joints)
            joints = joints[counts > 0].clamp(min=0)  # [shifts, *S, k, k]
            return mutual_information_loss(joints, lamb).mean(dim=0)
        joint = neighbourhood_joint(probs, probs_t, displacement)
        if over_ranks:
            joint = _SumOverRanks.apply(joint)
        return mutual_information_loss(joint, lamb)


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


__all__ = ['IICLoss', 'EPS', 'mutual_information_loss', 'iic_loss', 'dense_iic_loss']
