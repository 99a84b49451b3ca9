"""Turn one loaded image into its IIC views (x, g1 x, ..., gr x) and pack them."""
import copy
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.dataset import Compose

from mmiic.registry import TRANSFORMS
from .view_randomness import EVAL_EPOCH, seeded_random_state, view_seed


@TRANSFORMS.register_module()
class IICPairedViews(BaseTransform):
    """Make the first view and ``num_repeats`` paired views of one image.

    Args:
        view_pipeline (list[dict]): transforms of the first view x (light).
        pair_pipeline (list[dict]): transforms of each paired view g x.
        num_repeats (int): r, paired views per image; the image appears r
            times in the batch, each time with its own g. Defaults to 1.
        seed (int, optional): draw each image's views as evaluation views
            of ``seed``: under :func:`~.view_randomness.seeded_random_state`
            of :func:`~.view_randomness.view_seed` (seed,
            :data:`~.view_randomness.EVAL_EPOCH`, sample_idx), i.e. numpy
            seeded with ``[seed, sample_idx]``, the key that
            :class:`~mmiic.engine.hooks.EpochSeedHook` with base seed
            ``seed`` gives the evaluation views of a plain data set; the
            caller's random states are restored after. The views then do not
            depend on the worker, rank or order that loads the image, nor on
            the training seed, with or without the hook (e.g. loaders that
            tools build themselves), and the metrics (the sub-head choice of
            :class:`~mmiic.evaluation.ClusterMetric`) are the same on any
            number of processes. None (training) draws from the running
            random state. Defaults to None.

    Writes ``img`` (first view), ``img_views`` (list of r paired views) and
    ``view_params`` (list of 1 + r dicts of the parameters each view drew).
    """

    def __init__(self, view_pipeline: List[dict], pair_pipeline: List[dict],
                 num_repeats: int = 1, seed: Optional[int] = None) -> None:
        if num_repeats < 1:
            raise ValueError(f'num_repeats must be >= 1, got {num_repeats}')
        self.view_pipeline = Compose(view_pipeline)
        self.pair_pipeline = Compose(pair_pipeline)
        self.num_repeats = num_repeats
        self.seed = seed

    def transform(self, results: dict) -> dict:
        if self.seed is None:
            return self._make_views(results)
        if results.get('sample_idx') is None:
            raise KeyError('IICPairedViews with a seed needs sample_idx in the results '
                           '(set by mmengine BaseDataset.get_data_info)')
        with seeded_random_state(view_seed(self.seed, EVAL_EPOCH, int(results['sample_idx']))):
            return self._make_views(results)

    def _make_views(self, results: dict) -> dict:
        views = [self.view_pipeline(copy.deepcopy(results))]
        views += [self.pair_pipeline(copy.deepcopy(results)) for _ in range(self.num_repeats)]
        shapes = {v['img'].shape for v in views}
        if len(shapes) != 1:
            raise ValueError(f'all views must have one shape to be batched, got {sorted(shapes)}; '
                             'give the view and pair pipelines the same out_size')
        results['img'] = views[0]['img']
        results['img_views'] = [v['img'] for v in views[1:]]
        results['view_params'] = [v.get('view_params', {}) for v in views]
        return results


def stack_views(images: Sequence[np.ndarray]) -> torch.Tensor:
    """[H, W] or [H, W, C] uint8 views -> [V, C, H, W] tensor."""
    arrays = [img[..., None] if img.ndim == 2 else img for img in images]
    return torch.from_numpy(np.ascontiguousarray(np.stack(arrays).transpose(0, 3, 1, 2)))


@TRANSFORMS.register_module()
class PackIICClsInputs(BaseTransform):
    """Pack views and label into ``inputs`` [1 + r, C, H, W] and a DataSample.

    Without ``img_views`` (plain test pipelines) ``inputs`` is [C, H, W].
    Meta keys are copied into the sample's metainfo when present.
    """

    def __init__(self,
                 meta_keys: Optional[Sequence[str]] = ('sample_idx', 'img_path', 'ori_shape',
                                                       'view_params', 'main_head_sample')) -> None:
        self.meta_keys = tuple(meta_keys or ())

    def transform(self, results: dict) -> dict:
        from mmpretrain.structures import DataSample
        views = [results['img']] + list(results.get('img_views', []))
        inputs = stack_views(views)
        sample = DataSample()
        if 'gt_label' in results:
            sample.set_gt_label(results['gt_label'])
        meta = {k: results[k] for k in self.meta_keys if k in results}
        # How the pictures show the image: mmcv's loaders (BGR) record nothing.
        meta['channel_order'] = results.get('channel_order', 'bgr')
        sample.set_metainfo(meta)
        return dict(inputs=inputs if len(views) > 1 else inputs[0], data_samples=sample)
