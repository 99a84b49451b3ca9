"""How the joints of pixel pairs are computed: the kernels of
:func:`mmiic.models.losses.dense_iic_loss`.

* :func:`cross_correlate`: for every shift ``t`` with ``|t| <= d``, the sum over
  the batch and the pixels of ``a_u b_{u+t}^T``, in the frequency domain (FFT
  sizes of small primes, :func:`fft_size`; only the wanted lags of the inverse
  transform, :func:`lag_phases`). It gives the per-shift joints and
  :func:`valid_pair_counts`.
* :func:`neighbourhood_joint`: the joint summed over all shifts, through a
  box filter of cumulative sums (:func:`box_sum`).
* :func:`conv2d_joints`: the paper's reference formulation (``F.conv2d``), for
  benchmarks and tests.

The loss itself (scoring the joints, masks, ranks) is in :mod:`.iic_loss`.
"""
import torch
import torch.nn.functional as F
from torch import Tensor


def cross_correlate(a: Tensor, b: Tensor, displacement: int) -> Tensor:
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
    size = (fft_size(h + displacement), fft_size(w + displacement))
    fa = torch.fft.rfft2(a, s=size)  # [*S, N, k, H', W'']
    fb = torch.fft.rfft2(b, s=size)  # [*S, N, c, H', W'']
    spectrum = torch.einsum('...nkfg,...ncfg->...kcfg', fa.conj(), fb)  # [*S, k, c, H', W'']
    row_phases, column_phases = lag_phases(displacement, size, spectrum)
    # Only the (2d+1)^2 lags around 0 of the inverse transform are wanted:
    # two small dense products, not full inverse FFTs of k c planes.
    return torch.einsum('yf,...kcfg,xg->yx...kc', row_phases, spectrum, column_phases).real


def fft_size(length: int) -> int:
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


def lag_phases(displacement: int, size: tuple, like: Tensor) -> tuple:
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
    counts = cross_correlate(mask.double(), mask_t.double(), displacement)
    return counts[..., 0, 0].round().long()


def neighbourhood_joint(probs: Tensor, probs_t: Tensor, displacement: int) -> Tensor:
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
    neighbourhood = box_sum(probs_t, window)
    lead, k = probs.shape[:-4], probs.shape[-3]
    first = probs.transpose(-4, -3).reshape(*lead, k, -1)
    second = neighbourhood.transpose(-4, -3).reshape(*lead, k, -1)
    return first @ second.transpose(-1, -2)


def box_sum(x: Tensor, window: int) -> Tensor:
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


__all__ = [
    'box_sum', 'conv2d_joints', 'cross_correlate', 'fft_size', 'lag_phases', 'neighbourhood_joint',
    'valid_pair_counts'
]
