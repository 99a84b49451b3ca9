"""IIC unsupervised semantic segmentation for mmseg."""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmseg.models.segmentors import EncoderDecoder
from torch import Tensor

from mmiic.models.utils import align_to_first_view, use_channels_last
from mmiic.registry import MODELS


@MODELS.register_module()
class IICSegmentor(EncoderDecoder):
    """Backbone -> optional neck -> :class:`IICHead`, trained with dense IIC.

    Any mmseg backbone/neck works unchanged; inference (``whole``/``slide``,
    ``predict`` filling ``pred_sem_seg`` at the original image size) is
    mmseg's ``EncoderDecoder``. Only ``loss`` differs.

    ``loss()`` call graph::

        inputs [B, 2, C, H, W] (first view x, second view g x)
          -> extract_feat(x and g x in one pass)
          -> decode_head (active head) -> [h, 2B, k, h', w'] -> bilinear to H x W
          -> align_to_first_view(second half, view_affine, valid_mask_t)
          -> dense IIC loss per sub-head with masks:
               first view: valid_mask (labelled pixels when masking is on)
               second view: inside the warped image, valid there (all of
               its interpolation support) and valid in the first view

    Args:
        backbone, decode_head, neck, train_cfg, test_cfg, data_preprocessor,
        pretrained, init_cfg: as :class:`mmseg.models.EncoderDecoder`;
        ``data_preprocessor`` defaults to ``IICDataPreprocessor``.
        loss_at_input_size (bool): True (the paper) upsamples the head's
            output to the input size before the loss, so the displacement d
            is in input pixels; False computes the loss at the head's own
            resolution (d in output pixels: d = 10 at stride 4 spans 40
            input pixels), with the alignment and masks rescaled to match.
        channels_last (bool): run the backbone in channels-last memory
            format (:func:`use_channels_last`; same results, faster on a
            CPU). Defaults to False.
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
                 loss_at_input_size: bool = True,
                 channels_last: bool = False) -> None:
        self.loss_at_input_size = loss_at_input_size
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
        """The shared main/overclustering heads (switched by HeadAlternationHook)."""
        return self.decode_head.cluster_heads

    @staticmethod
    def _stack_meta(data_samples: list, key: str, device) -> Tensor:
        try:
            return torch.stack([torch.as_tensor(ds.metainfo[key]) for ds in data_samples]).to(device)
        except KeyError:
            raise KeyError(f'data sample has no {key!r}: put IICDenseViews in the train pipeline')

    def loss(self, inputs: Tensor, data_samples: list) -> Dict[str, Tensor]:
        if inputs.dim() != 5 or inputs.shape[1] != 2:
            raise ValueError('IIC segmentation trains on view pairs: inputs [B, 2, C, H, W], got '
                             f'{tuple(inputs.shape)}; add IICDenseViews to the train pipeline')
        b, _, _, in_h, in_w = inputs.shape
        head = self.cluster_heads.active_head
        probs = self.decode_head(self.extract_feat(inputs.transpose(0, 1).flatten(0, 1)), [head])[head]
        h, _, k = probs.shape[:3]
        height, width = (in_h, in_w) if self.loss_at_input_size else probs.shape[-2:]
        if probs.shape[-2:] != (height, width):
            probs = F.interpolate(probs.flatten(0, 1), size=(height, width), mode='bilinear',
                                  align_corners=self.align_corners).view(h, 2 * b, k, height, width)
        first, second = probs[:, :b], probs[:, b:]
        affine = self._stack_meta(data_samples, 'view_affine', inputs.device)
        mask = self._stack_meta(data_samples, 'valid_mask', inputs.device)
        mask_t = self._stack_meta(data_samples, 'valid_mask_t', inputs.device)
        if (height, width) != (in_h, in_w):
            # Pixel (x, y) of the output sits at (x * sx, y * sy) of the input.
            sx, sy = (in_w - 1) / max(width - 1, 1), (in_h - 1) / max(height - 1, 1)
            to_input = affine.new_tensor([[sx, 0, 0], [0, sy, 0], [0, 0, 1]])
            to_output = affine.new_tensor([[1 / sx, 0, 0], [0, 1 / sy, 0], [0, 0, 1]])
            affine = to_output @ affine @ to_input
            # An output pixel is valid only if all input pixels it is interpolated from are.
            mask, mask_t = (F.interpolate(m[:, None].float(), size=(height, width), mode='bilinear',
                                          align_corners=True)[:, 0] >= 1 - 1e-3
                            for m in (mask, mask_t))
        aligned, valid = align_to_first_view(second.transpose(0, 1).flatten(1, 2), affine, mask_t,
                                             mask.bool())
        aligned = aligned.view(b, h, k, height, width).transpose(0, 1)
        return self.cluster_heads.loss(first, aligned, mask=mask.bool(), mask_t=valid, head=head)

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
