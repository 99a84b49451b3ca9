"""Pictures of the clusters during training: the joint P, prediction overlays, example grids."""
import cv2
import numpy as np

from mmiic.registry import HOOKS
from mmiic.visualization import cluster_palette, draw_cluster_grid, overlay_clusters
from .fixed_batch_hook import FixedBatchHook


def joint_heatmap(joint: np.ndarray, cell: int = 24) -> np.ndarray:
    """[k, k] joint distribution -> [k cell, k cell, 3] uint8 RGB heat map (viridis,
    0 = dark, the largest entry = bright)."""
    scaled = (joint / max(float(joint.max()), 1e-12) * 255).round().astype(np.uint8)
    big = cv2.resize(scaled, None, fx=cell, fy=cell, interpolation=cv2.INTER_NEAREST)
    return cv2.applyColorMap(big, cv2.COLORMAP_VIRIDIS)[..., ::-1].copy()


@HOOKS.register_module()
class ClusterJointHook(FixedBatchHook):
    """The main head's joint distribution P of paired predictions as a heat map.

    P (k x k) pairs the prediction of each fixed evaluation image (each
    pixel, for segmentation) with that of its mirror image, symmetrised and
    normalised, as in the IIC loss. A good clustering has its mass on the
    diagonal, spread evenly over the k entries; a collapsing one a single
    bright entry. Added as the image ``cluster_joint``.

    Args:
        interval (int): training iterations between drawings.
        num_images (int): evaluation images used.
        cell (int): pixels per entry of the heat map.
    """

    def __init__(self, interval: int = 50, num_images: int = 16, cell: int = 24) -> None:
        super().__init__(interval, num_images)
        self.cell = cell

    def draw(self, runner, step: int) -> None:
        _, probs = self.main_probs(runner)
        _, mirrored = self.main_probs(runner, mirror=True)
        k = probs[0].shape[0]
        joint = sum(p.reshape(k, -1).double() @ q.reshape(k, -1).double().t()
                    for p, q in zip(probs, mirrored))
        joint = (joint + joint.t()) / 2
        joint = (joint / joint.sum()).cpu().numpy()
        runner.visualizer.add_image('cluster_joint', joint_heatmap(joint, self.cell), step=step)


@HOOKS.register_module()
class SegOverlayHook(FixedBatchHook):
    """Predicted cluster maps of fixed evaluation images, coloured by cluster id
    (:func:`cluster_palette`, any number of clusters) over the image.

    Added as the image ``cluster_overlay``: one row per image, input | overlay.

    Args:
        interval (int): training iterations between drawings.
        num_images (int): evaluation images shown.
        alpha (float): weight of the cluster colours.
    """

    def __init__(self, interval: int = 50, num_images: int = 4, alpha: float = 0.5) -> None:
        super().__init__(interval, num_images)
        self.alpha = alpha

    def draw(self, runner, step: int) -> None:
        images, probs = self.main_probs(runner)
        if probs[0].dim() != 3:
            raise ValueError('SegOverlayHook needs a segmentation model; use ClusterGridHook '
                             'for image clustering')
        palette = cluster_palette(probs[0].shape[0])
        rows = [np.concatenate([img, overlay_clusters(img, p.argmax(dim=0).cpu().numpy(),
                                                      self.alpha, palette)], axis=1)
                for img, p in zip(images, probs)]
        width = max(r.shape[1] for r in rows)
        rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0))) for r in rows]
        runner.visualizer.add_image('cluster_overlay', np.concatenate(rows, axis=0), step=step)


@HOOKS.register_module()
class ClusterGridHook(FixedBatchHook):
    """Example images of each main-head cluster (image clustering).

    Added as the image ``cluster_grid``: row c shows up to ``per_cluster`` of
    the fixed evaluation images predicted as cluster c (an empty row: a
    cluster nobody falls into).

    Args:
        interval (int): training iterations between drawings.
        num_images (int): evaluation images sorted into the rows.
        per_cluster (int): images per row.
    """

    def __init__(self, interval: int = 50, num_images: int = 256, per_cluster: int = 10) -> None:
        super().__init__(interval, num_images)
        self.per_cluster = per_cluster

    def draw(self, runner, step: int) -> None:
        images, probs = self.main_probs(runner)
        if probs[0].dim() != 1:
            raise ValueError('ClusterGridHook needs an image clustering model; use '
                             'SegOverlayHook for segmentation')
        clusters = [int(p.argmax()) for p in probs]
        grid = draw_cluster_grid(np.stack(images), clusters, probs[0].shape[0],
                                 per_cluster=self.per_cluster)
        runner.visualizer.add_image('cluster_grid', grid, step=step)

