"""IIC unsupervised semantic segmentation for mmseg."""
from typing import Dict, List, Optional

from mmengine.config import ConfigDict
from mmseg.models.segmentors import EncoderDecoder
from torch import Tensor

from mmiic.models.utils import use_channels_last
from mmiic.registry import MODELS


@MODELS.register_module()
class IICSegmentor(EncoderDecoder):
    """Backbone -> optional neck -> :class:`IICHead`, trained with dense IIC.

    Any mmseg backbone/neck works unchanged; inference (``whole``/``slide``,
    ``predict`` filling ``pred_sem_seg`` at the original image size) is
    mmseg's ``EncoderDecoder``. Training orchestrates as mmseg does, on view
    pairs: the head owns their pairing and the loss.

    ``loss()`` call graph::

        inputs [B, 2, C, H, W] (first view x, second view g x)
          -> extract_view_feat: extract_feat(x and g x in one pass, [2B])
          -> decode_head.loss (:meth:`IICHead.loss`: alignment of the views,
             masks, dense IIC loss per sub-head)

    Args:
        backbone, decode_head, neck, train_cfg, test_cfg, data_preprocessor,
        pretrained, init_cfg: as :class:`mmseg.models.EncoderDecoder`;
        ``data_preprocessor`` defaults to ``IICDataPreprocessor``.
        channels_last (bool): run the backbone in channels-last memory
            format (:func:`use_channels_last`; same results, faster on a
            CPU). Defaults to False.
        loss_at_input_size: moved to :class:`IICHead`; given here, it is
            refused with a message saying where it goes now.
    """

    def __init__(self,
                 backbone: dict,
                 decode_head: dict,
                 neck: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 init_cfg: Optional[dict] = None,
                 channels_last: bool = False,
                 loss_at_input_size: Optional[bool] = None) -> None:
        if loss_at_input_size is not None:
            raise TypeError('IICSegmentor(loss_at_input_size=...) moved to the head: set '
                            f'decode_head=dict(..., loss_at_input_size={loss_at_input_size})')
        super().__init__(
            backbone=backbone,
            decode_head=decode_head,
            neck=neck,
            train_cfg=train_cfg,
            test_cfg=ConfigDict(test_cfg if test_cfg is not None else dict(mode='whole')),
            data_preprocessor=data_preprocessor or dict(type='mmiic.IICDataPreprocessor'),
            pretrained=pretrained,
            init_cfg=init_cfg)
        if channels_last:
            use_channels_last(self.backbone)

    @property
    def cluster_heads(self):
        """The shared main/overclustering heads (switched by the head-alternating train loops)."""
        return self.decode_head.cluster_heads

    @property
    def loss_at_input_size(self) -> bool:
        """Whether the loss sees the input size (:attr:`IICHead.loss_at_input_size`)."""
        return self.decode_head.loss_at_input_size

    def extract_view_feat(self, inputs: Tensor) -> List[Tensor]:
        """[B, 2, C, H, W] view pairs -> features of the 2B views in one pass
        (the B first views, then their B second views)."""
        if inputs.dim() != 5 or inputs.shape[1] != 2:
            raise ValueError('IIC segmentation trains on view pairs: inputs [B, 2, C, H, W], got '
                             f'{tuple(inputs.shape)}; add IICDenseViews to the train pipeline')
        return self.extract_feat(inputs.transpose(0, 1).flatten(0, 1))

    def loss(self, inputs: Tensor, data_samples: list) -> Dict[str, Tensor]:
        # The head's keys (loss_<head>, <head>_subhead<i>) are kept without mmseg's
        # 'decode.' prefix: hooks and logs read them by these names.
        return self.decode_head.loss(self.extract_view_feat(inputs), data_samples, self.train_cfg)

    def predict(self, inputs: Tensor, data_samples: Optional[list] = None) -> list:
        if inputs.dim() == 5:
            inputs = inputs[:, 0]
        return super().predict(inputs, data_samples)

    def _forward(self, inputs: Tensor, data_samples: Optional[list] = None):
        if inputs.dim() == 5:
            inputs = inputs[:, 0]
        return self.decode_head(self.extract_feat(inputs))

    def aug_test(self, *args, **kwargs):
        raise NotImplementedError('test-time augmentation is not supported for IIC yet')
