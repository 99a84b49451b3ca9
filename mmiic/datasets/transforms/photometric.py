"""Colour jitter and greyscale as per-sample linear colour maps, batched.

Every jitter step is ``x -> clip(A x + b, 0, 255)`` with a per-sample C x C
matrix ``A`` acting on the channels:

* brightness f: ``A = f I``;
* contrast f: ``A = f I``, ``b = (1 - f) mean(x)`` (mean over all pixels);
* saturation f: ``A = f I + (1 - f) 1 w^T``, w the luma weights;
* hue h (turns): a rotation by ``2 pi h`` about the grey axis in YIQ space,
  which keeps luma and grey pixels.

One implementation serves the CPU transform :class:`IICRandomColorJitter`
(one image) and the device views (a batch): each step is one small matrix
product, so a batch on the GPU costs a few passes over its pixels.
"""
import math

import torch
from torch import Tensor

LUMA = (0.299, 0.587, 0.114)
# RGB -> YIQ (NTSC); its first row is the luma.
_YIQ = ((0.299, 0.587, 0.114), (0.596, -0.274, -0.322), (0.211, -0.523, 0.312))
BRIGHTNESS, CONTRAST, SATURATION, HUE = range(4)


def _hue_matrices(turns: Tensor) -> Tensor:
    """[N] hue shifts in turns -> [N, 3, 3] RGB maps (rotation in YIQ)."""
    yiq = torch.tensor(_YIQ, dtype=torch.float64, device=turns.device)
    angle = 2 * math.pi * turns.double()
    cos, sin = angle.cos(), angle.sin()
    rotation = torch.zeros(turns.shape[0], 3, 3, dtype=torch.float64, device=turns.device)
    rotation[:, 0, 0] = 1
    rotation[:, 1, 1], rotation[:, 1, 2] = cos, -sin
    rotation[:, 2, 1], rotation[:, 2, 2] = sin, cos
    return torch.linalg.inv(yiq) @ rotation @ yiq


def _step_matrices(op: Tensor, factors: Tensor, channels: int) -> Tensor:
    """[N] op ids and [N, 4] factors -> [N, C, C] matrices of that step."""
    n = op.shape[0]
    eye = torch.eye(channels, dtype=torch.float64, device=op.device).expand(n, -1, -1)
    factor = factors.double().gather(1, op[:, None].clamp(max=2))[:, :, None]  # b, c or s
    scaled = factor * eye
    if channels != 3:  # saturation and hue act on colour only
        return torch.where((op < SATURATION)[:, None, None], scaled, eye)
    luma = torch.tensor(LUMA, dtype=torch.float64, device=op.device)
    saturation = scaled + (1 - factor) * luma.expand(3, 3)
    matrix = torch.where((op == SATURATION)[:, None, None], saturation, scaled)
    return torch.where((op == HUE)[:, None, None], _hue_matrices(factors[:, HUE]), matrix)


def jitter(images: Tensor, factors: Tensor, order: Tensor, with_mean: bool = True) -> Tensor:
    """Apply brightness, contrast, saturation and hue in a per-sample order.

    Args:
        images (Tensor): [N, C, H, W] float in [0, 255]; saturation and hue
            act on C = 3 only (e.g. Potsdam's RGB + IR gets brightness and
            contrast).
        factors (Tensor): [N, 4] brightness, contrast and saturation factors
            (1 = unchanged) and the hue shift in turns (0 = unchanged).
        order (Tensor): [N, P] long: row i lists the steps of sample i in
            the order they apply (0 brightness, 1 contrast, 2 saturation,
            3 hue); steps that cannot change anything may be left out.
        with_mean (bool): False skips the image means when no sample has a
            contrast step. Defaults to True.

    ``factors`` and ``order`` may live on the host: the small matrices are
    built there and sent to the images' device.

    Returns:
        Tensor: [N, C, H, W], clipped to [0, 255] after every step.
    """
    n, channels = images.shape[:2]
    contrast = factors[:, CONTRAST].to(images)
    for position in range(order.shape[1]):
        op = order[:, position]
        matrix = _step_matrices(op, factors, channels).to(images)
        if with_mean:
            shift = (op == CONTRAST).to(images) * (1 - contrast) * images.mean(dim=(1, 2, 3))
            offset = shift.view(n, 1, 1).expand(n, channels, 1)
            out = torch.baddbmm(offset, matrix, images.flatten(2))
        else:
            out = torch.bmm(matrix, images.flatten(2))
        images = out.clamp_(0, 255).view_as(images)
    return images


def jitter_factors(u: Tensor, brightness: float, contrast: float, saturation: float,
                   hue: float) -> Tensor:
    """[N, 4] uniforms -> [N, 4] factors drawn in [max(0, 1 - x), 1 + x]
    (hue: shift in [-hue, hue] turns), as :class:`IICRandomColorJitter`."""
    u = u.double()
    columns = []
    for i, strength in enumerate((brightness, contrast, saturation)):
        low = max(0.0, 1 - strength)
        columns.append(low + (1 + strength - low) * u[:, i])
    columns.append(hue * (2 * u[:, 3] - 1))
    return torch.stack(columns, 1)


def greyscale(images: Tensor, chosen: Tensor) -> Tensor:
    """Luma of the ``chosen`` ([N] bool) RGB samples, kept 3-channel.

    Args:
        images (Tensor): [N, 3, H, W] float; other channel counts pass.
    """
    if images.shape[1] != 3:
        return images
    luma = images.new_tensor(LUMA).view(1, 3, 1, 1)
    grey = (images * luma).sum(1, keepdim=True).clamp(0, 255).expand_as(images)
    return torch.where(chosen.view(-1, 1, 1, 1), grey, images)


__all__ = ['LUMA', 'greyscale', 'jitter', 'jitter_factors']
