"""Pictures of clusterings: sample grids per cluster."""
from typing import Optional, Sequence

import numpy as np


def draw_cluster_grid(images: np.ndarray,
                      clusters: Sequence[int],
                      num_clusters: int,
                      per_cluster: int = 12,
                      labels: Optional[Sequence[int]] = None,
                      mapping: Optional[Sequence[int]] = None,
                      pad: int = 2) -> np.ndarray:
    """One row per cluster with up to ``per_cluster`` of its images.

    A sample whose label differs from its cluster's matched class gets a red
    frame (when ``labels`` and ``mapping`` are given), so errors show at a glance.

    Args:
        images (np.ndarray): [N, H, W] or [N, H, W, 3] uint8.
        clusters (Sequence[int]): [N] cluster id per image.
        num_clusters (int): rows of the grid.
        per_cluster (int): columns of the grid.
        labels (Sequence[int], optional): [N] true classes.
        mapping (Sequence[int], optional): [num_clusters] class of each cluster.
        pad (int): frame width in pixels.

    Returns:
        np.ndarray: [rows * (H + 2 pad), cols * (W + 2 pad), 3] uint8 RGB.
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = np.repeat(images[..., None], 3, axis=3)
    clusters = np.asarray(clusters)
    if len(clusters) != len(images):
        raise ValueError(f'{len(images)} images but {len(clusters)} cluster ids')
    h, w = images.shape[1:3]
    cell_h, cell_w = h + 2 * pad, w + 2 * pad
    grid = np.full((num_clusters * cell_h, per_cluster * cell_w, 3), 40, np.uint8)
    for c in range(num_clusters):
        members = np.nonzero(clusters == c)[0][:per_cluster]
        for j, idx in enumerate(members):
            y, x = c * cell_h, j * cell_w
            wrong = (labels is not None and mapping is not None
                     and mapping[c] >= 0 and labels[idx] != mapping[c])
            grid[y:y + cell_h, x:x + cell_w] = (200, 30, 30) if wrong else (90, 90, 90)
            grid[y + pad:y + pad + h, x + pad:x + pad + w] = images[idx]
    return grid
