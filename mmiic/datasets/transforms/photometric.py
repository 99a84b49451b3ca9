"""Colour jitter and greyscale as per-sample linear colour maps.

Every jitter step is ``x -> clip(A x + b, 0, 255)`` with a per-sample C x C
matrix ``A`` acting on the channels:

* brightness f: ``A = f I``;
* contrast f: ``A = f I``, ``b = (1 - f) mean(x)`` (mean over all pixels);
* saturation f: ``A = f I + (1 - f) 1 w^T``, w the luma weights;
* hue h (turns): a rotation by ``2 pi h`` about the grey axis in YIQ space,
  which keeps luma and grey pixels.

Saturation and hue act on 3-channel images only. The factors are drawn by
:func:`jitter_factors` and the matrices (a few numbers per sample) built on
the host by :func:`jitter_matrices`, for both the CPU transform
:class:`IICRandomColorJitter` (:func:`jitter_image`, one image) and the
device views (:func:`jitter`, one batched product per step).

Luma and YIQ are defined on RGB. Images in BGR order (mmcv's loaders) get the
same maps with channels 0 and 2 swapped (``bgr=True``): saturation 0 of a red
pixel gives its luma, not the luma of a blue one.
"""
import math
from typing import Union

import numpy as np
import torch
from torch import Tensor

from .view_randomness import CounterDraws, Draws, NumpyDraws

LUMA = (0.299, 0.587, 0.114)
# RGB -> YIQ (NTSC); its first row is the luma.
_YIQ = np.array([LUMA, (0.596, -0.274, -0.322), (0.211, -0.523, 0.312)])
_YIQ_INV = np.linalg.inv(_YIQ)
BRIGHTNESS, CONTRAST, SATURATION, HUE = range(4)


def jitter_factors(draws: Union[np.ndarray, Draws], brightness: float, contrast: float,
                   saturation: float, hue: float, colour: bool = True) -> np.ndarray:
    """The factors of :class:`IICRandomColorJitter`: brightness, contrast and
    saturation drawn in [max(0, 1 - x), 1 + x], the hue shift in [-hue, hue]
    turns; a step of strength 0 (and, on images that are not 3-channel,
    saturation and hue) draws nothing and stays neutral.

    Args:
        draws (np.ndarray | NumpyDraws | CounterDraws): the draw source
            (column i draws factor i), or [N, 4] uniforms.
        colour (bool): the images have 3 channels. Defaults to True.

    Returns:
        np.ndarray: [N, 4] float64.
    """
    if not isinstance(draws, (NumpyDraws, CounterDraws)):
        draws = CounterDraws(np.asarray(draws))
    columns = []
    for i, strength in enumerate((brightness, contrast, saturation)):
        drawn = strength and (colour or i != SATURATION)
        columns.append(draws.uniform(i, max(0.0, 1 - strength), 1 + strength)
                       if drawn else np.ones(draws.count))
    columns.append(draws.symmetric(HUE, hue) if colour and hue else np.zeros(draws.count))
    return np.stack(columns, 1)


def luma_weights(bgr: bool = False) -> tuple:
    """Luma weights of the channels, in RGB or BGR order."""
    return LUMA[::-1] if bgr else LUMA


def _as_bgr_flags(bgr: Union[bool, np.ndarray], count: int) -> np.ndarray:
    """[count] bool: which samples are in BGR order."""
    return np.broadcast_to(np.asarray(bgr, dtype=bool), (count, ))


def jitter_matrices(op: np.ndarray, factors: np.ndarray, channels: int,
                    bgr: Union[bool, np.ndarray] = False) -> np.ndarray:
    """The colour maps of one step.

    Args:
        op (np.ndarray): [N] step ids (0 brightness, 1 contrast,
            2 saturation, 3 hue).
        factors (np.ndarray): [N, 4] brightness, contrast and saturation
            factors (1 = unchanged) and hue shifts in turns (0 = unchanged).
        channels (int): C.
        bgr (bool | np.ndarray): the images (all, or [N] per sample) are in
            BGR order; the maps act on their true colours. Defaults to False
            (RGB).

    Returns:
        np.ndarray: [N, C, C] float64.
    """
    op = np.asarray(op)
    factor = np.take_along_axis(factors, np.minimum(op, SATURATION)[:, None], 1)[:, :, None]
    matrix = factor * np.eye(channels)
    if channels != 3:
        return np.where((op < SATURATION)[:, None, None], matrix, np.eye(channels))
    saturation = matrix + (1 - factor) * np.asarray(LUMA)[None, None]
    matrix = np.where((op == SATURATION)[:, None, None], saturation, matrix)
    angle = 2 * math.pi * factors[:, HUE]
    rotation = np.zeros((len(op), 3, 3))
    rotation[:, 0, 0] = 1
    rotation[:, 1, 1], rotation[:, 1, 2] = np.cos(angle), -np.sin(angle)
    rotation[:, 2, 1], rotation[:, 2, 2] = np.sin(angle), np.cos(angle)
    matrix = np.where((op == HUE)[:, None, None], _YIQ_INV @ rotation @ _YIQ, matrix)
    # x_bgr = P x_rgb with P the swap of channels 0 and 2, so A_bgr = P A P.
    return np.where(_as_bgr_flags(bgr, len(op))[:, None, None], matrix[:, ::-1, ::-1], matrix)


def _offsets(op: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """[N] weight of the image mean added by the step (contrast only)."""
    return np.where(np.asarray(op) == CONTRAST, 1 - factors[:, CONTRAST], 0.0)


def jitter_image(img: np.ndarray, factors: np.ndarray, order: np.ndarray,
                 bgr: bool = False) -> np.ndarray:
    """One image on the CPU: [H, W, C] float32 in [0, 255] -> same.

    Args:
        factors (np.ndarray): [4] as :func:`jitter_matrices`.
        order (np.ndarray): [P] the steps in the order they apply.
        bgr (bool): the image is in BGR order. Defaults to False.
    """
    channels = img.shape[2]
    factors = np.asarray(factors, dtype=np.float64)
    for op in order:
        if op in (BRIGHTNESS, CONTRAST):  # f I (see jitter_matrices): a scalar product
            out = img * np.float32(factors[op])
        else:
            matrix = jitter_matrices(np.array([op]), factors[None], channels, bgr)[0]
            matrix = matrix.astype(np.float32)
            out = img @ matrix.T
        if op == CONTRAST:
            out += np.float32(1 - factors[CONTRAST]) * img.mean()
        img = np.clip(out, 0, 255)
    return img


def jitter(images: Tensor, factors: np.ndarray, order: np.ndarray, with_mean: bool = True,
           bgr: Union[bool, np.ndarray] = False) -> Tensor:
    """A batch on its device, each sample in its own order of steps.

    Args:
        images (Tensor): [N, C, H, W] float in [0, 255].
        factors (np.ndarray): [N, 4] as :func:`jitter_matrices`.
        order (np.ndarray): [N, P] the steps of each sample in the order
            they apply; steps that cannot change anything may be left out.
        with_mean (bool): False skips the image means when no sample has a
            contrast step. Defaults to True.
        bgr (bool | np.ndarray): all, or [N] per sample, in BGR order.
            Defaults to False (RGB).

    Returns:
        Tensor: [N, C, H, W], clipped to [0, 255] after every step.
    """
    n, channels = images.shape[:2]
    for position in range(order.shape[1]):
        op = order[:, position]
        matrix = torch.from_numpy(jitter_matrices(op, factors, channels, bgr)).to(images)
        if with_mean:
            weight = torch.from_numpy(_offsets(op, factors)).to(images)
            offset = (weight * images.mean(dim=(1, 2, 3))).view(n, 1, 1).expand(n, channels, 1)
            out = torch.baddbmm(offset, matrix, images.flatten(2))
        else:
            out = torch.bmm(matrix, images.flatten(2))
        images = out.clamp_(0, 255).view_as(images)
    return images


def greyscale(images: Tensor, chosen: np.ndarray, bgr: Union[bool, np.ndarray] = False) -> Tensor:
    """Luma of the ``chosen`` ([N] bool) colour samples, kept 3-channel.

    Args:
        images (Tensor): [N, 3, H, W] float; other channel counts pass.
        chosen (np.ndarray): [N] bool.
        bgr (bool | np.ndarray): all, or [N] per sample, in BGR order.
            Defaults to False (RGB).
    """
    if images.shape[1] != 3:
        return images
    weights = np.where(_as_bgr_flags(bgr, len(images))[:, None], luma_weights(True), LUMA)
    luma = images.new_tensor(weights).view(-1, 3, 1, 1)
    grey = (images * luma).sum(1, keepdim=True).clamp(0, 255).expand_as(images)
    chosen = torch.as_tensor(np.asarray(chosen), device=images.device)
    return torch.where(chosen.view(-1, 1, 1, 1), grey, images)


__all__ = [
    'LUMA', 'greyscale', 'jitter', 'jitter_factors', 'jitter_image', 'jitter_matrices',
    'luma_weights'
]
