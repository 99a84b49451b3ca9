"""IIC decode head for mmseg segmentors."""
from typing import Dict, List, Optional, Sequence

import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from torch import Tensor

from mmiic.registry import MODELS
from .cluster_heads import ClusterHeads


@MODELS.register_module()
class IICHead(BaseDecodeHead):
    """1x1-conv cluster predictors (main + optional overclustering head).

    The sub-heads, alternation and IIC losses are :class:`ClusterHeads`
    (shared with the image classifier); this class adds mmseg's input
    selection (``in_index``, ``input_transform``) and prediction interface.

    Args:
        in_channels (int): channels of the selected backbone/neck feature.
        num_classes (int): clusters of the main head.
        num_overclusters (int, optional): clusters of the overclustering head.
        num_subheads (int): sub-heads per head. Defaults to 1 (the paper's
            segmentation setting).
        loss_decode (dict): IICLoss config of the main head (lamb,
            displacement, per_displacement, loss_weight).
        overcluster_loss (dict, optional): IICLoss of the overclustering head.
        test_head (str): head used by ``predict`` ('main' or 'overcluster').
        test_subhead (int): sub-head used by ``predict``, until a checkpoint
            (``cluster_heads.test_subhead_index``) replaces it. Defaults to 0.
        **kwargs: other :class:`BaseDecodeHead` arguments (``in_index``,
            ``align_corners``, ``ignore_index`` ...).
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 num_overclusters: Optional[int] = None,
                 num_subheads: int = 1,
                 loss_decode: dict = dict(type='mmiic.IICLoss', displacement=10, per_displacement=True),
                 overcluster_loss: Optional[dict] = None,
                 test_head: str = 'main',
                 test_subhead: int = 0,
                 **kwargs) -> None:
        kwargs.setdefault('init_cfg', None)
        super().__init__(in_channels=in_channels, channels=in_channels, num_classes=num_classes,
                         loss_decode=loss_decode, **kwargs)
        # The base class builds a classifier conv and a loss; ClusterHeads owns both here.
        del self.conv_seg, self.loss_decode
        self.cluster_heads = ClusterHeads(in_channels, num_classes, num_overclusters, num_subheads,
                                          loss=loss_decode, overcluster_loss=overcluster_loss,
                                          dense=True)
        if test_head not in self.cluster_heads.heads:
            raise ValueError(f'test_head {test_head!r} is not one of {self.cluster_heads.head_names}')
        self.test_head = test_head
        self.cluster_heads.test_subhead = test_subhead
        self.out_channels = self.cluster_heads.num_clusters[test_head]

    @property
    def test_subhead(self) -> int:
        """Sub-head used by ``predict`` (kept by :class:`ClusterHeads`)."""
        return self.cluster_heads.test_subhead

    def forward(self, inputs: Sequence[Tensor], heads: Optional[List[str]] = None) -> Dict[str, Tensor]:
        """Backbone features -> head -> [h, N, k, h', w'] probabilities."""
        return self.cluster_heads(self._transform_inputs(inputs), heads)

    def predict(self, inputs: Sequence[Tensor], batch_img_metas: List[dict], test_cfg) -> Tensor:
        """[N, k, H, W] probabilities of the test sub-head at the input size."""
        probs = self.forward(inputs, [self.test_head])[self.test_head][self.test_subhead]
        return F.interpolate(probs, size=batch_img_metas[0]['img_shape'], mode='bilinear',
                             align_corners=self.align_corners)

    def loss(self, inputs, batch_data_samples, train_cfg) -> dict:
        raise NotImplementedError('IICHead is trained through IICSegmentor.loss (paired views)')
