"""The one drawing path of predictions: painted as clusters, not as classes.

:func:`draw_prediction` makes the picture of one prediction (segmentation or
image clustering); :class:`ClusterSegLocalVisualizer` draws, shows, writes or
logs it (``SegVisualizationHook`` of the segmentation configs, and
:class:`mmiic.engine.hooks.ClusterVisualizationHook` behind ``tools/test.py
--show/--show-dir``).
"""
from typing import Optional, Sequence

import cv2
import mmcv
import numpy as np
from mmseg.visualization import SegLocalVisualizer

from mmiic.registry import VISUALIZERS
from .cluster_palette import cluster_palette, paint_clusters
from .display import to_rgb_uint8, upscale
from .panels import draw_legend, frame_in_colour, hstack_panels, label_panel, vstack_panels


def _cluster_name(names: Sequence[str], cluster: int) -> str:
    return names[cluster] if cluster < len(names) else f'cluster {cluster}'


def draw_prediction(image: np.ndarray, sample, cluster_names: Optional[Sequence[str]] = None,
                    legend: bool = True) -> np.ndarray:
    """Picture of one prediction, painted by cluster.

    Args:
        image (np.ndarray): [H, W, C] the (first view) image the model saw,
            RGB order.
        sample: a ``SegDataSample`` with ``pred_sem_seg`` (and ``seg_logits``
            for the number of clusters), or an mmpretrain ``DataSample``
            with ``pred_label`` (and ``main_num_clusters``).
        cluster_names (Sequence[str], optional): name per cluster id (e.g.
            from a cluster -> class mapping); ``cluster <id>`` where missing.
        legend (bool): add the legend of the cluster colours under a
            segmentation picture. Defaults to True.

    Returns:
        np.ndarray: [H', W', 3] uint8 RGB: image | cluster map (and the
        legend) for segmentation; the image framed in its cluster's colour,
        under the cluster's name, for image clustering.
    """
    rgb = to_rgb_uint8(image)
    names = list(cluster_names or [])
    if 'pred_sem_seg' in sample:
        ids = sample.pred_sem_seg.data.squeeze(0).cpu().numpy()
        k = (sample.seg_logits.data.shape[0] if 'seg_logits' in sample else int(ids.max()) + 1)
        if ids.shape != rgb.shape[:2]:
            # Predictions are at the original size, the input may be resized.
            ids = cv2.resize(ids.astype(np.int32), rgb.shape[1::-1],
                             interpolation=cv2.INTER_NEAREST)
        palette = cluster_palette(k)
        panels = hstack_panels([label_panel(rgb, 'image'),
                                label_panel(paint_clusters(ids, palette), f'clusters (k = {k})')])
        if not legend:
            return panels
        return vstack_panels([panels, draw_legend(palette, panels.shape[1], names)])
    if 'pred_label' in sample:
        cluster = int(sample.pred_label.reshape(-1)[0])
        k = int(sample.get('main_num_clusters', cluster + 1))
        return frame_in_colour(upscale(rgb), cluster_palette(k)[cluster], _cluster_name(names, cluster))
    raise ValueError('cannot draw a sample with neither pred_sem_seg nor pred_label; '
                     f'it has {sorted(sample.keys())}')


@VISUALIZERS.register_module()
class ClusterSegLocalVisualizer(SegLocalVisualizer):
    """:class:`SegLocalVisualizer` for cluster predictions: what
    ``SegVisualizationHook`` and ``tools/test.py --show/--show-dir``
    (:class:`mmiic.engine.hooks.ClusterVisualizationHook`) draw.

    mmseg paints ``pred_sem_seg`` with the data set's class names and colours,
    which says nothing true about cluster ids and leaves ids >= the number of
    classes (overclustering) unpainted. Here predictions are drawn by
    :func:`draw_prediction` (:func:`cluster_palette` colours for every id,
    named ``cluster <id>`` or by ``cluster_names``, e.g. from a cluster ->
    class mapping, :func:`load_cluster_names`); a ground truth, when drawn,
    keeps the data set's class colours, in a panel of its own on the left.
    Image clustering predictions (``pred_label``) are drawn too.

    Args:
        name (str): instance name. Defaults to 'visualizer'.
        cluster_names (Sequence[str], optional): name per cluster id.
        **kwargs: see :class:`SegLocalVisualizer`.
    """

    def __init__(self, name: str = 'visualizer', cluster_names: Optional[Sequence[str]] = None,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.cluster_names = list(cluster_names) if cluster_names else []

    def _ground_truth(self, image: np.ndarray, gt_sem_seg) -> np.ndarray:
        """[H, W] class ids -> the class colours of the data set, under a caption."""
        ids = gt_sem_seg.data.squeeze(0).cpu().numpy()
        known = ids[ids != 255]
        num = max(len((self.dataset_meta or {}).get('classes') or []),
                  int(known.max()) + 1 if known.size else 1)
        palette = (self.dataset_meta or {}).get('palette')
        palette = (np.asarray(palette, np.uint8)
                   if palette and len(palette) >= num else cluster_palette(num))
        if ids.shape != image.shape[:2]:
            ids = cv2.resize(ids.astype(np.int32), image.shape[1::-1],
                             interpolation=cv2.INTER_NEAREST)
        return label_panel(paint_clusters(ids, palette, ignore_index=255), 'ground truth')

    # Not master_only (mmseg's is): every rank writes the pictures of its own samples
    # (out_file); showing and the storage backends stay rank 0's (mmengine's master_only).
    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample=None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0,
                       with_labels: Optional[bool] = True) -> None:
        """Ground truth (classes) | image | prediction (clusters) and the
        legend of the clusters (``with_labels``); see
        :meth:`SegLocalVisualizer.add_datasample` for the arguments."""
        panels = []
        has_pred = data_sample is not None and ('pred_sem_seg' in data_sample
                                                or 'pred_label' in data_sample)
        if draw_gt and data_sample is not None and 'gt_sem_seg' in data_sample:
            panels.append(self._ground_truth(to_rgb_uint8(image), data_sample.gt_sem_seg))
        if draw_pred and has_pred:
            panels.append(draw_prediction(image, data_sample, self.cluster_names,
                                          legend=bool(with_labels)))
        drawn_img = hstack_panels(panels) if panels else to_rgb_uint8(image)
        if show:
            self.show(drawn_img, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(mmcv.rgb2bgr(drawn_img), out_file)
        else:
            self.add_image(name, drawn_img, step)
