"""Draw test predictions as clusters (tools/test.py --show / --show-dir)."""
import os
import os.path as osp
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.hooks import Hook

from mmiic.registry import HOOKS
from mmiic.visualization import ClusterSegLocalVisualizer, channel_order_of, to_display_rgb


@HOOKS.register_module()
class ClusterVisualizationHook(Hook):
    """Paint each test prediction with a palette of the clusters.

    mmseg's and mmpretrain's visualisation hooks paint predictions with the
    data set's class names and colours, which is wrong for clusters (cluster
    3 is not class 3, and an overclustering head has more clusters than the
    data set has classes). This hook hands every ``interval``-th test sample,
    with the image the model saw (first view), to a
    :class:`mmiic.visualization.ClusterSegLocalVisualizer`, which draws it
    (:func:`mmiic.visualization.draw_prediction`):

    - segmentation: image | cluster map, with a legend of the cluster colours;
    - image clustering: the image in a frame of its cluster's colour, with the
      cluster id (``pred_label``: the main head's ``test_subhead``, see
      :class:`ChosenSubheadHook`).

    The visualizer is the runner's (the segmentation configs'), or, when the
    runner's paints classes (mmpretrain's ``UniversalVisualizer`` of the
    clustering configs), one of the hook's own, without storage backends.

    Args:
        interval (int): draw every ``interval``-th sample. Defaults to 1.
        out_dir (str, optional): write ``<name>.png`` here (created); without
            it, the pictures go to the visualizer's storage backends.
        show (bool): display each picture with the visualizer.
        wait_time (float): seconds each shown picture stays. Defaults to 0.
        draw (bool): off by default, so the hook can sit in a config;
            ``tools/test.py`` turns it on for ``--show``/``--show-dir``.
    """

    priority = 'LOW'

    def __init__(self,
                 interval: int = 1,
                 out_dir: Optional[str] = None,
                 show: bool = False,
                 wait_time: float = 0.0,
                 draw: bool = False) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.interval = interval
        self.out_dir = out_dir
        self.show = show
        self.wait_time = wait_time
        self.draw = draw
        self._index = 0
        self._visualizer: Optional[ClusterSegLocalVisualizer] = None

    def before_test(self, runner) -> None:
        self._index = 0
        if not self.draw:
            return
        if self.out_dir is not None:
            os.makedirs(self.out_dir, exist_ok=True)
        if isinstance(runner.visualizer, ClusterSegLocalVisualizer):
            self._visualizer = runner.visualizer
        else:
            self._visualizer = ClusterSegLocalVisualizer(name=f'{runner.experiment_name}_clusters')

    def after_test_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence] = None) -> None:
        if not self.draw or outputs is None:
            return
        inputs = data_batch['inputs'] if data_batch is not None else [None] * len(outputs)
        for image, sample in zip(inputs, outputs):
            index, self._index = self._index, self._index + 1
            if index % self.interval:
                continue
            name = _sample_name(sample, index)
            out_file = None if self.out_dir is None else osp.join(self.out_dir, name + '.png')
            self._visualizer.add_datasample(name, _first_view(image, sample), sample,
                                            draw_gt=False, show=self.show,
                                            wait_time=self.wait_time, out_file=out_file,
                                            step=index)


def _first_view(image: Optional[torch.Tensor], sample) -> np.ndarray:
    """[C, H, W] or [V, C, H, W] tensor as packed -> [H, W, 3] uint8 RGB, flipped
    from BGR only when the sample's ``channel_order`` says so."""
    if image is None:
        raise ValueError('ClusterVisualizationHook needs the batch inputs to draw on')
    if image.dim() == 4:
        image = image[0]
    return to_display_rgb(image, channel_order_of(sample))


def _sample_name(sample, index: int) -> str:
    path = sample.get('img_path') if hasattr(sample, 'get') else None
    stem = osp.splitext(osp.basename(str(path)))[0] if path else ''
    return f'{index:06d}_{stem}' if stem else f'{index:06d}'
