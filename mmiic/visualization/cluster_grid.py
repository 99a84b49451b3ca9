"""Pictures of clusterings: sample grids per cluster."""
from typing import Optional, Sequence

import cv2
import numpy as np

from .cluster_palette import cluster_palette


def draw_cluster_grid(images: np.ndarray,
                      clusters: Sequence[int],
                      num_clusters: int,
                      per_cluster: int = 12,
                      labels: Optional[Sequence[int]] = None,
                      mapping: Optional[Sequence[int]] = None,
                      pad: int = 2,
                      composition_width: int = 0,
                      class_names: Optional[Sequence[str]] = None) -> np.ndarray:
    """One row per cluster with up to ``per_cluster`` of its images.

    A sample whose label differs from its cluster's matched class gets a red
    frame (when ``labels`` and ``mapping`` are given), so errors show at a glance.
    With ``labels`` and ``composition_width`` > 0, a panel on the right of each
    row shows which classes the cluster mixes: a bar split by the class shares
    of all its members (largest first, one colour per class) and the two
    largest shares as text.

    Args:
        images (np.ndarray): [N, H, W] or [N, H, W, 3] uint8.
        clusters (Sequence[int]): [N] cluster id per image.
        num_clusters (int): rows of the grid.
        per_cluster (int): columns of the grid.
        labels (Sequence[int], optional): [N] true classes.
        mapping (Sequence[int], optional): [num_clusters] class of each cluster.
        pad (int): frame width in pixels.
        composition_width (int): width of the class-composition panel (0: none).
        class_names (Sequence[str], optional): names for the panel's text
            (default: the class ids).

    Returns:
        np.ndarray: [rows * (H + 2 pad), cols * (W + 2 pad) + composition_width, 3]
        uint8 RGB.
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
    if labels is not None and composition_width > 0:
        panel = draw_class_composition(clusters, np.asarray(labels), num_clusters, cell_h,
                                       composition_width, class_names)
        grid = np.concatenate([grid, panel], axis=1)
    return grid


def draw_class_composition(clusters: np.ndarray, labels: np.ndarray, num_clusters: int,
                           row_height: int, width: int,
                           class_names: Optional[Sequence[str]] = None) -> np.ndarray:
    """[num_clusters * row_height, width, 3] uint8 RGB: per cluster, the shares of
    the classes among its members as a stacked bar (largest first) and text."""
    keep = labels >= 0  # negative labels (ignored samples) take no part
    clusters, labels = clusters[keep], labels[keep]
    num_classes = int(labels.max()) + 1 if len(labels) else 1
    colours = cluster_palette(max(num_classes, 1))
    panel = np.full((num_clusters * row_height, width, 3), 25, np.uint8)
    bar_h = max(2, row_height // 3)
    for c in range(num_clusters):
        y = c * row_height
        members = labels[clusters == c]
        if not len(members):
            if row_height >= 20:
                cv2.putText(panel, 'empty', (4, y + row_height - 4), cv2.FONT_HERSHEY_PLAIN, 0.8,
                            (160, 160, 160), 1, cv2.LINE_AA)
            continue
        counts = np.bincount(members, minlength=num_classes)
        order = np.argsort(-counts, kind='stable')
        x = 2
        for cls in order[counts[order] > 0]:
            span = int(round(counts[cls] / len(members) * (width - 4)))
            panel[y + 2:y + 2 + bar_h, x:x + span] = colours[cls]
            x += span
        if row_height < 20:  # no room for text under the bar
            continue
        text = '  '.join(f'{class_names[k] if class_names else k}: '
                         f'{100 * counts[k] / len(members):.0f}%'
                         for k in order[:2] if counts[k] > 0)
        cv2.putText(panel, text, (4, y + row_height - 4), cv2.FONT_HERSHEY_PLAIN, 0.8,
                    (230, 230, 230), 1, cv2.LINE_AA)
    return panel
