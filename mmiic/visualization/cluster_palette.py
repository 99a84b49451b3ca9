"""Colours for cluster ids, and cluster maps painted with them.

Clusters are not classes: cluster 3 of an unsupervised model has no name and
no fixed class, so predictions are painted with a palette of the clusters
(``cluster_palette``), never with a data set's class palette.
"""
import colorsys
from typing import Optional, Sequence

import numpy as np

from .display import to_rgb_uint8


def cluster_palette(num_clusters: int) -> np.ndarray:
    """``num_clusters`` distinct, reproducible RGB colours.

    Hues step by the golden ratio (neighbouring ids get far-apart hues) and
    brightness cycles through three levels, so even 45 or 81 overclusters
    stay distinguishable.

    Args:
        num_clusters (int): k >= 1.

    Returns:
        np.ndarray: [k, 3] uint8 RGB.
    """
    if num_clusters < 1:
        raise ValueError(f'num_clusters must be >= 1, got {num_clusters}')
    colours = []
    for i in range(num_clusters):
        hue = (i * 0.618033988749895) % 1.0
        value = (1.0, 0.75, 0.55)[i % 3]
        colours.append(colorsys.hsv_to_rgb(hue, 0.8, value))
    return np.round(np.array(colours) * 255).astype(np.uint8)


def paint_clusters(ids: np.ndarray, palette: np.ndarray, ignore_index: Optional[int] = None,
                   ignore_color: Sequence[int] = (0, 0, 0)) -> np.ndarray:
    """Colour an id map.

    Args:
        ids (np.ndarray): [H, W] int ids in ``[0, len(palette))``.
        palette (np.ndarray): [k, 3] uint8 RGB.
        ignore_index (int, optional): id painted ``ignore_color``.
        ignore_color (Sequence[int]): RGB. Defaults to black.

    Returns:
        np.ndarray: [H, W, 3] uint8 RGB.
    """
    ids = np.asarray(ids).astype(np.int64)
    keep = np.ones(ids.shape, bool) if ignore_index is None else ids != ignore_index
    if keep.any() and (ids[keep].min() < 0 or ids[keep].max() >= len(palette)):
        raise ValueError(f'ids must lie in [0, {len(palette)}), got '
                         f'[{ids[keep].min()}, {ids[keep].max()}]')
    out = np.empty(ids.shape + (3, ), np.uint8)
    out[...] = np.asarray(ignore_color, np.uint8)
    out[keep] = palette[ids[keep]]
    return out


def overlay_clusters(image: np.ndarray, clusters: np.ndarray, alpha: float = 0.5,
                     palette: Optional[np.ndarray] = None) -> np.ndarray:
    """Blend the colours of a cluster map over an image.

    Args:
        image (np.ndarray): [H, W] or [H, W, C] image (RGB when C >= 3), any
            dtype (see :func:`to_rgb_uint8`).
        clusters (np.ndarray): [H, W] integer cluster ids.
        alpha (float): weight of the colours.
        palette (np.ndarray, optional): [k, 3] uint8; defaults to
            :func:`cluster_palette` of ``clusters.max() + 1``.

    Returns:
        np.ndarray: [H, W, 3] uint8 RGB.
    """
    clusters = np.asarray(clusters)
    if clusters.shape != image.shape[:2]:
        raise ValueError(f'cluster map {clusters.shape} and image {image.shape[:2]} differ in size')
    if palette is None:
        palette = cluster_palette(int(clusters.max()) + 1)
    colours = paint_clusters(clusters, palette).astype(np.float64)
    blend = to_rgb_uint8(image) * (1 - alpha) + colours * alpha
    return blend.round().astype(np.uint8)
