"""IIC image clustering model for mmengine's Runner (mmpretrain scope)."""
from typing import Dict, List, Optional

import torch
from mmengine.model import BaseModel
from torch import Tensor

from mmiic.models.utils import use_channels_last
from mmiic.registry import MODELS


@MODELS.register_module()
class IICClassifier(BaseModel):
    """Backbone -> optional neck -> main + overclustering cluster heads.

    ``loss()`` call graph::

        inputs [B, 1 + r, C, H, W] (first view, r paired views)
          -> extract_feat (all B (1 + r) views in one pass) -> [B (1 + r), D]
          -> active head's sub-heads -> [h, B, 1 + r, k]
          -> IIC loss of (x repeated r times, its r paired views) per sub-head

    ``predict()`` fills each DataSample with ``main_clusters`` ([h] cluster id
    per sub-head), ``overcluster_clusters`` if that head exists, ``pred_label``
    and ``pred_score`` ([k] probabilities) of the main head's
    ``cluster_heads.test_subhead`` (the one the metric chose, see
    :class:`ChosenSubheadHook`), and, when paired views are given,
    ``<head>_view_probs`` ([h, 1 + r, k] probabilities of the first and the
    paired views, per head) from which the metric ranks each head's sub-heads
    by their IIC loss on the evaluation set. (Probabilities rather than
    per-sample [h, k, k] joints: an overclustering head with k = 70 would need
    70 x 70 per sample and sub-head.)

    Samples whose metainfo has ``main_head_sample=False`` (e.g. STL-10's
    unlabelled split) train only the overclustering head: a main-head batch
    holding one is an error (:class:`HeadSubsetSampler` keeps them out, so
    every main-head step forwards a full batch of main-head samples).

    Args:
        backbone (dict): any mmpretrain/mmiic backbone config.
        head (dict): :class:`ClusterHeads` config (``dense=False``).
        neck (dict, optional): e.g. ``dict(type='GlobalAveragePooling')``;
            without one, the last feature map is flattened.
        data_preprocessor (dict, optional): defaults to
            ``IICDataPreprocessor``.
        init_cfg (dict, optional): initialisation config.
        channels_last (bool): run the backbone in channels-last memory
            format (:func:`use_channels_last`; same results, faster on a
            CPU). Defaults to False.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 neck: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 channels_last: bool = False) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor or dict(type='mmiic.IICDataPreprocessor'),
            init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.cluster_heads = MODELS.build(head)
        if channels_last:
            use_channels_last(self.backbone)

    def extract_feat(self, images: Tensor) -> Tensor:
        """[M, C, H, W] -> [M, D] features."""
        feats = self.backbone(images)
        if self.neck is not None:
            feats = self.neck(feats)
        feat = feats[-1] if isinstance(feats, (tuple, list)) else feats
        return feat.flatten(1)

    def forward(self, inputs: Tensor, data_samples: Optional[list] = None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            images = inputs[:, 0] if inputs.dim() == 5 else inputs
            return self.cluster_heads(self.extract_feat(images))
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, predict and tensor mode')

    def _view_probs(self, inputs: Tensor, heads: Optional[List[str]] = None) -> Dict[str, Tensor]:
        """[B, V, C, H, W] -> head -> [h, B, V, k] probabilities."""
        b, v = inputs.shape[:2]
        probs = self.cluster_heads(self.extract_feat(inputs.flatten(0, 1)), heads)
        return {name: p.view(p.shape[0], b, v, -1) for name, p in probs.items()}

    @staticmethod
    def _pairs(probs: Tensor) -> tuple:
        """[h, B, 1 + r, k] -> ([h, B r, k] first views repeated, [h, B r, k] pairs)."""
        h, b, v, k = probs.shape
        first = probs[:, :, :1].expand(h, b, v - 1, k).reshape(h, -1, k)
        return first, probs[:, :, 1:].reshape(h, -1, k)

    def loss(self, inputs: Tensor, data_samples: Optional[list] = None) -> Dict[str, Tensor]:
        if inputs.dim() != 5 or inputs.shape[1] < 2:
            raise ValueError('training needs paired views: inputs [B, 1 + r, C, H, W] with r >= 1, '
                             f'got {tuple(inputs.shape)}; add IICPairedViews to the train pipeline')
        head = self.cluster_heads.active_head
        if head == 'main' and data_samples is not None and not all(
                ds.metainfo.get('main_head_sample', True) for ds in data_samples):
            raise ValueError('a main-head batch holds samples of overcluster_only_splits (e.g. '
                             "STL-10's unlabelled split); give each head its own samples with "
                             "train_dataloader.sampler=dict(type='mmiic.HeadSubsetSampler')")
        probs = self._view_probs(inputs, [head])[head]
        return self.cluster_heads.loss(*self._pairs(probs), head=head)

    @torch.no_grad()
    def predict(self, inputs: Tensor, data_samples: Optional[list] = None) -> list:
        if inputs.dim() == 4:
            inputs = inputs.unsqueeze(1)
        probs = self._view_probs(inputs)
        if data_samples is None:
            from mmpretrain.structures import DataSample
            data_samples = [DataSample() for _ in range(inputs.shape[0])]
        clusters = {name: p[:, :, 0].argmax(-1) for name, p in probs.items()}  # [h, B]
        subhead = self.cluster_heads.test_subhead
        for i, sample in enumerate(data_samples):
            sample.set_metainfo(dict(main_num_clusters=probs['main'].shape[-1]))
            for name, ids in clusters.items():
                sample.set_field(ids[:, i].cpu(), f'{name}_clusters', field_type='metainfo')
                if inputs.shape[1] > 1:
                    sample.set_field(probs[name][:, i].cpu(), f'{name}_view_probs',
                                     field_type='metainfo')
            sample.set_pred_label(clusters['main'][subhead, i:i + 1])
            sample.set_pred_score(probs['main'][subhead, i, 0])
        return data_samples
