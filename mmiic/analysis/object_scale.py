"""Estimate the typical size of the things in images, without labels.

Dense IIC pairs each pixel with the pixels up to ``d`` away in the other view,
so ``d``, the receptive field of the trunk and the image scale only work
together for things of about one size. :func:`estimate_object_size` measures
that size from the images themselves (scale-normalised Laplacian-of-Gaussian
energy, Lindeberg's automatic scale selection), and :func:`seg_scale_settings`
turns it into the resize factor and displacement that
``configs/iic/iic_minivgg_folder_seg.py`` uses.
"""
import warnings
from typing import Dict, Iterable, Sequence

import numpy as np
from scipy import ndimage

# Diameter (input pixels after resizing) the folder template's trunk is built
# for: its receptive field (about 66 px: 3x3 convs, two 2x2 poolings, dilations
# 2 and 4) then covers a thing and a ring of its surroundings.
NET_OBJECT_SIZE = 24


def _grey(image: np.ndarray) -> np.ndarray:
    """[H, W] or [H, W, C] -> [H, W] float64 scaled to [0, 1] (per image)."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 3:
        image = image.mean(axis=2)
    if image.ndim != 2:
        raise ValueError(f'expected an [H, W] or [H, W, C] image, got shape {image.shape}')
    low, high = np.percentile(image, [1, 99])
    return np.clip((image - low) / max(high - low, 1e-12), 0, 1)


def scale_energies(image: np.ndarray, sigmas: Sequence[float]) -> np.ndarray:
    """Mean squared scale-normalised LoG response ``(sigma^2 LoG * I)^2`` per sigma.

    Args:
        image (np.ndarray): [H, W] or [H, W, C].
        sigmas (Sequence[float]): Gaussian scales in pixels.

    Returns:
        np.ndarray: [len(sigmas)] energies. For a disc of diameter D the
        response peaks at sigma = D / (2 sqrt 2).
    """
    grey = _grey(image)
    return np.array([
        np.mean((sigma**2 * ndimage.gaussian_laplace(grey, sigma, mode='reflect'))**2)
        for sigma in sigmas
    ])


def estimate_object_size(images: Iterable[np.ndarray],
                         min_size: float = 2.0,
                         max_size: float = 256.0,
                         steps_per_octave: int = 4) -> float:
    """Typical diameter in pixels of the blobs/things in ``images``.

    The scale-normalised LoG energy is summed over the images; the diameter is
    ``2 sqrt(2) sigma*`` at its peak, refined by a parabola through the
    neighbouring scales (log-spaced). Diameters larger than half the
    smallest image side are not tried. An answer at either end of the
    searched range is a bound, not an estimate, and is warned about.

    Args:
        images: arrays [H, W] or [H, W, C] (any dtype).
        min_size, max_size (float): range of diameters searched, in pixels.
        steps_per_octave (int): scales tried per doubling of the size.

    Returns:
        float: estimated diameter in pixels.
    """
    images = list(images)
    if not images:
        raise ValueError('estimate_object_size needs at least one image')
    smallest = min(min(np.asarray(img).shape[:2]) for img in images)
    max_size = min(max_size, smallest / 2)
    if max_size <= min_size:
        raise ValueError(f'images of {smallest} px are too small to estimate sizes in '
                         f'[{min_size}, {max_size}] px')
    count = int(np.floor(np.log2(max_size / min_size) * steps_per_octave)) + 1
    diameters = min_size * 2.0**(np.arange(count) / steps_per_octave)
    sigmas = diameters / (2 * np.sqrt(2))
    energy = sum(scale_energies(img, sigmas) for img in images)
    best = int(np.argmax(energy))
    if best in (0, count - 1):
        warnings.warn(f'the estimated size sits at the {"lower" if best == 0 else "upper"} end of '
                      f'the searched range [{min_size:.1f}, {diameters[-1]:.1f}] px: the things '
                      'may be smaller (images shrunk too far? use tiles or a larger --max-side) '
                      'or larger (larger images) than can be measured')
    log_d = np.log2(diameters)
    if 0 < best < count - 1:  # parabolic refinement in log scale
        e0, e1, e2 = np.log(energy[best - 1:best + 2] + 1e-300)
        denom = e0 - 2 * e1 + e2
        if denom < 0:
            offset = 0.5 * (e0 - e2) / denom
            return float(2**(log_d[best] + offset / steps_per_octave))
    return float(diameters[best])


def seg_scale_settings(object_size: float,
                       net_object_size: float = NET_OBJECT_SIZE,
                       scale_range: Sequence[float] = (1 / 8, 2.0)) -> Dict[str, float]:
    """Resize factor and displacement for things of ``object_size`` pixels.

    The image is resized so that a thing is ``net_object_size`` pixels across
    (the trunk's receptive field is made for that; the factor is clipped to
    ``scale_range``, so tiny things are enlarged at most 2x), and the
    displacement is a quarter of the resized diameter, so that most pixel pairs within ``d`` of each
    other lie on the same thing or the same background (with ``d`` = 10 px and
    small things, most pairs cross a border and IIC learns regions of
    several things instead).

    Returns:
        dict: ``scale_factor`` (resize factor for images), ``displacement``
        (int, >= 1) and ``object_size_after_resize``.
    """
    if not object_size > 0:
        raise ValueError(f'object_size must be > 0 pixels, got {object_size}')
    scale = float(np.clip(net_object_size / object_size, *scale_range))
    return dict(scale_factor=scale, displacement=max(1, int(round(object_size * scale / 4))),
                object_size_after_resize=object_size * scale)
