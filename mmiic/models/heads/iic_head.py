"""IIC decode head for mmseg segmentors."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmiic.models.utils import align_to_first_view
from mmiic.registry import MODELS
from .cluster_heads import ClusterHeads


@MODELS.register_module()
class IICHead(BaseModule):
    """1x1-conv cluster predictors (main + optional overclustering head),
    trained with the dense IIC loss of paired views.

    The decode-head interface of mmseg's ``EncoderDecoder`` (``forward``,
    ``loss``, ``predict``, ``num_classes``, ``out_channels``,
    ``align_corners``), built like mmseg's ``MaskFormerHead`` on a plain
    module: ``BaseDecodeHead``'s single classifier conv and single loss do not
    fit heads with sub-heads. The sub-heads, alternation and IIC losses are
    :class:`ClusterHeads` (shared with the image classifier); this class owns
    the pairing of the two views of a segmentation sample.

    ``loss()`` call graph::

        features of [2B] views (B first views x, then their B second views g x)
          -> active head -> [h, 2B, k, h', w'] -> bilinear to the input size
             (or not: ``loss_at_input_size``)
          -> align_views: second half sampled at M u for every first-view
             pixel u (``view_affine``), validity of both views
          -> ClusterHeads.loss: dense IIC loss per sub-head with masks:
               first view: valid_mask (labelled pixels when masking is on)
               second view: inside the warped image, valid there (all of
               its interpolation support) and valid in the first view

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
        in_index (int): the backbone/neck output the head reads. Defaults to
            -1 (the last).
        align_corners (bool): of the bilinear resizing. Defaults to False.
        loss_at_input_size (bool): True (the paper) upsamples the head's
            output to the input size before the loss, so the displacement d
            is in input pixels; False computes the loss at the head's own
            resolution (d in output pixels: d = 10 at stride 4 spans 40
            input pixels), with the alignment and masks rescaled to match.
            Defaults to True.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 num_overclusters: Optional[int] = None,
                 num_subheads: int = 1,
                 loss_decode: dict = dict(
                     type='mmiic.IICLoss', displacement=10, per_displacement=True),
                 overcluster_loss: Optional[dict] = None,
                 test_head: str = 'main',
                 test_subhead: int = 0,
                 in_index: int = -1,
                 align_corners: bool = False,
                 loss_at_input_size: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(in_index, int):
            raise TypeError(f'in_index must be one int (the 1x1 head reads one feature map), got '
                            f'{in_index!r}')
        self.in_channels = in_channels
        self.in_index = in_index
        self.align_corners = align_corners
        self.loss_at_input_size = loss_at_input_size
        # Draw what mmseg's BaseDecodeHead drew for its classifier conv, which the head
        # built and deleted until mmiic split head and segmentor as mmseg does: a seed
        # then still gives the same initial weights (and the same runs) as before.
        nn.Conv2d(in_channels, num_classes, kernel_size=1)
        self.cluster_heads = ClusterHeads(in_channels, num_classes, num_overclusters, num_subheads,
                                          loss=loss_decode, overcluster_loss=overcluster_loss,
                                          dense=True)
        if test_head not in self.cluster_heads.heads:
            raise ValueError(f'test_head {test_head!r} is not one of '
                             f'{self.cluster_heads.head_names}')
        self.test_head = test_head
        self.cluster_heads.test_subhead = test_subhead
        self.num_classes = num_classes
        self.out_channels = self.cluster_heads.num_clusters[test_head]

    @property
    def test_subhead(self) -> int:
        """Sub-head used by ``predict`` (kept by :class:`ClusterHeads`)."""
        return self.cluster_heads.test_subhead

    def forward(self,
                inputs: Sequence[Tensor],
                heads: Optional[List[str]] = None) -> Dict[str, Tensor]:
        """Backbone features -> head -> [h, N, k, h', w'] probabilities."""
        return self.cluster_heads(inputs[self.in_index], heads)

    def predict(self, inputs: Sequence[Tensor], batch_img_metas: List[dict], test_cfg) -> Tensor:
        """[N, k, H, W] probabilities of the test sub-head at the input size."""
        probs = self.forward(inputs, [self.test_head])[self.test_head][self.test_subhead]
        return F.interpolate(probs, size=batch_img_metas[0]['img_shape'], mode='bilinear',
                             align_corners=self.align_corners)

    def loss(self, inputs: Sequence[Tensor], batch_data_samples: list, train_cfg=None) -> dict:
        """IIC losses of the active head on B view pairs.

        Args:
            inputs (Sequence[Tensor]): backbone/neck features of the 2B views,
                the B first views then their B second views.
            batch_data_samples (list): the B samples, with the metainfo
                ``view_affine``, ``valid_mask`` and ``valid_mask_t`` of
                ``IICDenseViews`` (or the device-side views).
            train_cfg: unused (mmseg's decode-head signature).

        Returns:
            dict: ``loss_<head>`` and the detached ``<head>_subhead<i>``.
        """
        head = self.cluster_heads.active_head
        probs = self.forward(inputs, [head])[head]
        first, aligned, mask, valid = self.align_views(probs, batch_data_samples)
        return self.cluster_heads.loss(first, aligned, mask=mask, mask_t=valid, head=head)

    @staticmethod
    def _stack_meta(data_samples: list, key: str, device) -> Tensor:
        try:
            return torch.stack([torch.as_tensor(ds.metainfo[key])
                                for ds in data_samples]).to(device)
        except KeyError:
            raise KeyError(f'data sample has no {key!r}: put IICDenseViews in the train pipeline')

    def align_views(self,
                    probs: Tensor,
                    batch_data_samples: list,
                    loss_at_input_size: Optional[bool] = None) -> Tuple[Tensor, ...]:
        """Pair each first-view pixel with the second-view pixel it shows.

        Args:
            probs (Tensor): [h, 2B, k, h', w'] probabilities of the B first
                views, then of their B second views.
            batch_data_samples (list): the B samples (see :meth:`loss`); their
                [H, W] masks are at the input size.
            loss_at_input_size (bool, optional): defaults to the head's.

        Returns:
            tuple: ``first`` and ``aligned`` [h, B, k, H', W'] (the second
            views in the first views' frame), ``mask`` and ``valid``
            [B, H', W'] bool (first view; aligned second view), at the input
            size or, with ``loss_at_input_size=False``, at the head's.
        """
        if loss_at_input_size is None:
            loss_at_input_size = self.loss_at_input_size
        h, two_b, k = probs.shape[:3]
        b = two_b // 2
        if len(batch_data_samples) != b or two_b != 2 * b:
            raise ValueError(f'probs of {two_b} views do not pair the {len(batch_data_samples)} '
                             'samples (first views then second views)')
        device = probs.device
        affine = self._stack_meta(batch_data_samples, 'view_affine', device)
        mask = self._stack_meta(batch_data_samples, 'valid_mask', device)
        mask_t = self._stack_meta(batch_data_samples, 'valid_mask_t', device)
        in_h, in_w = mask.shape[-2:]
        height, width = (in_h, in_w) if loss_at_input_size else probs.shape[-2:]
        if probs.shape[-2:] != (height, width):
            probs = F.interpolate(probs.flatten(0, 1), size=(height, width), mode='bilinear',
                                  align_corners=self.align_corners).view(h, 2 * b, k, height, width)
        first, second = probs[:, :b], probs[:, b:]
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
        mask = mask.bool()
        aligned, valid = align_to_first_view(second.transpose(0, 1).flatten(1, 2), affine, mask_t,
                                             mask)
        aligned = aligned.view(b, h, k, height, width).transpose(0, 1)
        return first, aligned, mask, valid
