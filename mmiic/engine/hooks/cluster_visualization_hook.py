"""Draw test predictions as clusters (tools/test.py --show / --show-dir)."""
import os
import os.path as osp
from typing import Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.visualization import Visualizer

from mmiic.registry import HOOKS
from mmiic.visualization import draw_prediction


@HOOKS.register_module()
class ClusterVisualizationHook(Hook):
    """Paint each test prediction with a palette of the clusters.

    mmseg's and mmpretrain's visualisation hooks paint predictions with the
    data set's class names and colours, which is wrong for clusters (cluster
    3 is not class 3, and an overclustering head has more clusters than the
    data set has classes). This hook draws, for every ``interval``-th test
    sample, the image the model saw (first view) next to its clusters:

    - segmentation: image | cluster map, with a legend of the cluster colours;
    - image clustering: the image in a frame of its cluster's colour, with the
      cluster id (``pred_label``: the main head's ``test_subhead``, see
      :class:`ChosenSubheadHook`).

    Args:
        interval (int): draw every ``interval``-th sample. Defaults to 1.
        out_dir (str, optional): write ``<name>.png`` here (created).
        show (bool): display each picture with the runner's visualizer.
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

    def before_test(self, runner) -> None:
        self._index = 0
        if self.draw and self.out_dir is not None:
            os.makedirs(self.out_dir, exist_ok=True)

    def after_test_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence] = None) -> None:
        if not self.draw or outputs is None:
            return
        inputs = data_batch['inputs'] if data_batch is not None else [None] * len(outputs)
        for image, sample in zip(inputs, outputs):
            index, self._index = self._index, self._index + 1
            if index % self.interval:
                continue
            picture = draw_prediction(_first_view(image), sample)
            name = _sample_name(sample, index)
            if self.out_dir is not None:
                cv2.imwrite(osp.join(self.out_dir, name + '.png'), picture[..., ::-1])
            if self.show:
                Visualizer.get_current_instance().show(picture, win_name=name,
                                                       wait_time=self.wait_time)


def _first_view(image: Optional[torch.Tensor]) -> np.ndarray:
    """[C, H, W] or [V, C, H, W] uint8 tensor (BGR as loaded) -> [H, W, C] numpy, RGB order."""
    if image is None:
        raise ValueError('ClusterVisualizationHook needs the batch inputs to draw on')
    if image.dim() == 4:
        image = image[0]
    array = image.detach().cpu().numpy().transpose(1, 2, 0)
    # OpenMMLab pipelines load BGR; flip the colour channels for display.
    if array.shape[2] >= 3:
        array = np.concatenate([array[..., 2::-1], array[..., 3:]], axis=2)
    return array


def _sample_name(sample, index: int) -> str:
    path = sample.get('img_path') if hasattr(sample, 'get') else None
    stem = osp.splitext(osp.basename(str(path)))[0] if path else ''
    return f'{index:06d}_{stem}' if stem else f'{index:06d}'
