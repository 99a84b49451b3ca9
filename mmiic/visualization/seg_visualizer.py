"""mmseg's visualiser, painting predictions as clusters rather than classes."""
from typing import Optional, Sequence

import mmcv
import numpy as np
from mmengine.dist import master_only
from mmseg.visualization import SegLocalVisualizer

from mmiic.registry import VISUALIZERS
from .cluster_palette import cluster_palette


@VISUALIZERS.register_module()
class ClusterSegLocalVisualizer(SegLocalVisualizer):
    """:class:`SegLocalVisualizer` for cluster maps (what ``SegVisualizationHook``
    and ``tools/test.py --show-dir`` draw).

    mmseg paints ``pred_sem_seg`` with the data set's class names and colours,
    which says nothing true about cluster ids and leaves ids >= the number of
    classes (overclustering) unpainted. Here the ground truth keeps the class
    names and colours, while predictions get :func:`cluster_palette` colours
    for every id and the names ``cluster <id>``, or ``cluster_names`` (e.g.
    from a cluster -> class mapping, :func:`load_cluster_names`).

    Args:
        name (str): instance name. Defaults to 'visualizer'.
        cluster_names (Sequence[str], optional): name per cluster id.
        **kwargs: see :class:`SegLocalVisualizer`.
    """

    def __init__(self, name: str = 'visualizer', cluster_names: Optional[Sequence[str]] = None,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.cluster_names = list(cluster_names) if cluster_names else []

    def _cluster_names(self, num_clusters: int) -> list:
        names = self.cluster_names[:num_clusters]
        return names + [f'cluster {c}' for c in range(len(names), num_clusters)]

    @master_only
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
        """Ground truth (classes) | prediction (clusters), side by side; see
        :meth:`SegLocalVisualizer.add_datasample` for the arguments."""
        drawn = []
        if draw_gt and data_sample is not None and 'gt_sem_seg' in data_sample:
            classes = list(self.dataset_meta.get('classes') or [])
            palette = self.dataset_meta.get('palette')
            num = max(len(classes), int(data_sample.gt_sem_seg.data.max()) + 1)
            classes += [str(c) for c in range(len(classes), num)]
            if not palette or len(palette) < num:
                palette = cluster_palette(num).tolist()
            drawn.append(self._draw_sem_seg(image, data_sample.gt_sem_seg, classes, palette,
                                            with_labels))
        if draw_pred and data_sample is not None and 'pred_sem_seg' in data_sample:
            num = max(int(data_sample.pred_sem_seg.data.max()) + 1, len(self.cluster_names))
            drawn.append(self._draw_sem_seg(image, data_sample.pred_sem_seg,
                                            self._cluster_names(num),
                                            cluster_palette(num).tolist(), with_labels))
        drawn_img = np.concatenate(drawn, axis=1) if drawn else image
        if show:
            self.show(drawn_img, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(mmcv.rgb2bgr(drawn_img), out_file)
        else:
            self.add_image(name, drawn_img, step)
