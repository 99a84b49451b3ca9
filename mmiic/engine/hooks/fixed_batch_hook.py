"""Base of the hooks that show the clusters on a fixed set of evaluation images."""
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.dataset import default_collate
from mmengine.hooks import Hook
from torch import Tensor

from mmiic.models.wrappers import unwrap_model
from mmiic.visualization import channel_order_of, to_display_rgb


def first_views(inputs: Tensor) -> Tensor:
    """[B, C, H, W] or [B, V, C, H, W] -> [B, C, H, W] (the first view)."""
    return inputs[:, 0] if inputs.dim() == 5 else inputs


def display_images(inputs: Tensor, data_samples: Optional[Sequence] = None) -> np.ndarray:
    """[B(, V), C, H, W] packed uint8 inputs -> [B, H, W, 3] uint8 RGB.

    Each image is shown in its sample's recorded ``channel_order`` (BGR, as
    mmcv's loaders give, when none is recorded).
    """
    images = first_views(inputs)
    samples = list(data_samples) if data_samples is not None else [None] * len(images)
    return np.stack([to_display_rgb(image, channel_order_of(sample))
                     for image, sample in zip(images, samples)])


class FixedBatchHook(Hook):
    """Every ``interval`` training iterations (and before training), predict the
    same ``num_images`` images with the main head's test sub-head and hand the
    result to :meth:`draw`, which writes through ``runner.visualizer`` (local
    files, TensorBoard, ... as configured).

    The images are the first ones of the validation set (else the test set,
    else the training set read by the label-free inference pipeline of
    :func:`mmiic.apis.build_inference_pipeline`), as evaluation views, so the
    pictures of successive steps are comparable. Images of different sizes
    are predicted one at a time.

    Args:
        interval (int): training iterations between two drawings.
        num_images (int): images used.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 50, num_images: int = 16) -> None:
        if interval < 1 or num_images < 1:
            raise ValueError(f'interval and num_images must be >= 1, got {interval}, {num_images}')
        self.interval = interval
        self.num_images = num_images
        self._batches: Optional[List[dict]] = None

    @staticmethod
    def _model(runner):
        return unwrap_model(runner.model)

    def _samples(self, runner) -> list:
        loop = runner.val_loop if runner.val_loop is not None else runner.test_loop
        if loop is not None:
            dataset = loop.dataloader.dataset
            return [dataset[i] for i in range(min(self.num_images, len(dataset)))]
        from mmengine.dataset import Compose
        from mmengine.registry import init_default_scope

        from mmiic.apis import build_inference_pipeline
        dataset = runner.train_dataloader.dataset
        init_default_scope(runner.cfg.get('default_scope', 'mmseg'))
        pipeline = Compose(build_inference_pipeline(runner.cfg, getattr(dataset, 'metainfo', None)))
        count = min(self.num_images, len(dataset))
        return [pipeline(dataset.get_data_info(i)) for i in range(count)]

    def _fixed_batches(self, runner) -> List[dict]:
        if self._batches is None:
            samples = self._samples(runner)
            shapes = {tuple(s['inputs'].shape) for s in samples}
            groups = [samples] if len(shapes) == 1 else [[s] for s in samples]
            self._batches = [default_collate(g) for g in groups]
        return self._batches

    @torch.no_grad()
    def main_probs(self, runner, mirror: bool = False) -> Tuple[List[np.ndarray], List[Tensor]]:
        """The fixed images and their main-head probabilities.

        Args:
            mirror (bool): predict the left-right mirrored images instead (for
                segmentation the output is mirrored back, so pixel u of both
                predictions shows the same scene point).

        Returns:
            tuple: [H, W, 3] uint8 RGB images, and per image [k] (clustering)
            or [k, H, W] (segmentation, at the input size) probabilities.
        """
        model = self._model(runner)
        was_training = model.training
        model.eval()
        images, probs = [], []
        try:
            for batch in self._fixed_batches(runner):
                if mirror:
                    # Mirror the raw images, before the pre-processing: the Sobel
                    # x-gradient of a mirrored image is not the mirrored x-gradient.
                    raw = batch['inputs']
                    flipped = raw.flip(-1) if isinstance(raw, Tensor) else [t.flip(-1) for t in raw]
                    batch = dict(batch, inputs=flipped)
                inputs = first_views(model.data_preprocessor(batch, False)['inputs'])
                out = model(inputs, mode='tensor')['main'][model.cluster_heads.test_subhead]
                if out.dim() == 4:
                    out = F.interpolate(out, size=inputs.shape[-2:], mode='bilinear',
                                        align_corners=False)
                    if mirror:
                        out = out.flip(-1)
                images += list(display_images(batch['inputs'], batch.get('data_samples')))
                probs += list(out)
        finally:
            model.train(was_training)
        return images, probs

    def draw(self, runner, step: int) -> None:
        raise NotImplementedError

    def before_train(self, runner) -> None:
        self.draw(runner, runner.iter)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self.every_n_train_iters(runner, self.interval):
            self.draw(runner, runner.iter + 1)
