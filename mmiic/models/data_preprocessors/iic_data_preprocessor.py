"""Normalisation, Sobel filtering and (optionally) the training views, on the
model's device, for both tasks."""
from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseDataPreprocessor
from torch import Tensor

from mmiic.registry import MODELS

SOBEL_MODES = ('none', 'sobel', 'sobel_rgb')


def sobel_filter(images: Tensor, keep_rgb: bool = False) -> Tensor:
    """Grey-level gradients of images.

    Args:
        images (Tensor): [N, C, H, W], C = 1 (grey) or 3 (RGB).
        keep_rgb (bool): append the gradients to the RGB channels.

    Returns:
        Tensor: [N, 2, H, W] (d/dx, d/dy) or [N, C + 2, H, W] with keep_rgb.
    """
    if images.shape[1] not in (1, 3):
        raise ValueError(f'Sobel filtering needs 1 or 3 channels, got shape {tuple(images.shape)}')
    grey = images.mean(dim=1, keepdim=True)
    kx = images.new_tensor([[-1., 0., 1.], [-2., 0., 2.], [-1., 0., 1.]])
    kernels = torch.stack([kx, kx.t()]).unsqueeze(1)
    grads = F.conv2d(F.pad(grey, (1, 1, 1, 1), mode='replicate'), kernels)
    return torch.cat([images, grads], dim=1) if keep_rgb else grads


@MODELS.register_module()
class IICDataPreprocessor(BaseDataPreprocessor):
    """Cast, normalise and optionally Sobel-filter single or paired views.

    Packed inputs are [C, H, W] (one view) or [V, C, H, W] (a first view and
    its paired views), collated into [B, C, H, W] or [B, V, C, H, W].

    Args:
        mean (Sequence[float], optional): per-channel mean, 0-255 scale.
        std (Sequence[float], optional): per-channel std, 0-255 scale.
        sobel (str): 'none', 'sobel' (2 channels) or 'sobel_rgb'
            (input channels + 2). Defaults to 'none'.
        in_channels (int, optional): channel count images must have (as
            loaded, before ``channel_order``); a mismatch raises an error
            naming both shapes.
        channel_order (Sequence[int], optional): indices of the loaded
            channels to keep, in order, before normalisation: ``(2, 1, 0)``
            turns the BGR images of ``LoadImageFromFile`` into RGB, and the
            B, G, R, IR Potsdam crops into R, G, B. Pretrained RGB backbones
            need this; networks trained from scratch do not.
        batch_views (dict, optional): make the training views here, on the
            device, e.g. ``dict(type='mmiic.IICBatchPairedViews', ...)`` or
            ``dict(type='mmiic.IICBatchDenseViews', ...)``; the train pipeline
            then packs one uint8 image per sample. Validation and test
            batches pass through unchanged. Defaults to None (views made by
            the CPU pipeline).
        non_blocking (bool): copy batches to the device asynchronously
            (useful with ``pin_memory=True`` in the data loader). Defaults
            to False.
    """

    def __init__(self,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 sobel: str = 'none',
                 in_channels: Optional[int] = None,
                 channel_order: Optional[Sequence[int]] = None,
                 batch_views: Optional[dict] = None,
                 non_blocking: bool = False) -> None:
        super().__init__(non_blocking=non_blocking)
        if sobel not in SOBEL_MODES:
            raise ValueError(f'sobel must be one of {SOBEL_MODES}, got {sobel!r}')
        if (mean is None) != (std is None):
            raise ValueError('mean and std must be given together')
        self.sobel = sobel
        self.in_channels = in_channels
        self.channel_order = list(channel_order) if channel_order is not None else None
        if self.channel_order is not None and in_channels is not None and not all(
                0 <= c < in_channels for c in self.channel_order):
            raise ValueError(f'channel_order {tuple(channel_order)} refers to channels outside '
                             f'[0, {in_channels}) of in_channels={in_channels}')
        self._normalise = mean is not None
        if self._normalise:
            self.register_buffer('mean', torch.tensor(mean).view(-1, 1, 1), False)
            self.register_buffer('std', torch.tensor(std).view(-1, 1, 1), False)
        self.batch_views = MODELS.build(batch_views) if batch_views is not None else None

    def _process(self, images: Tensor) -> Tensor:
        """[M, C, H, W] uint8/float -> [M, C', H, W] float: channels, normalisation, Sobel."""
        if self.in_channels is not None and images.shape[1] != self.in_channels:
            raise ValueError(f'images have {images.shape[1]} channels (shape '
                             f'{tuple(images.shape)}) but the data preprocessor expects '
                             f'in_channels={self.in_channels}')
        if self.channel_order is not None:
            if max(self.channel_order) >= images.shape[1]:
                raise ValueError(f'channel_order {tuple(self.channel_order)} needs more channels '
                                 f'than the images have (shape {tuple(images.shape)})')
            images = images[:, self.channel_order]
        images = images.float()
        if self._normalise:
            if self.mean.shape[0] != images.shape[1]:
                raise ValueError(f'mean/std have {self.mean.shape[0]} channels, images '
                                 f'{tuple(images.shape)}')
            images = (images - self.mean) / self.std
        else:
            images = images / 255.0
        if self.sobel != 'none':
            images = sobel_filter(images, keep_rgb=self.sobel == 'sobel_rgb')
        return images

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        inputs: Union[Tensor, list] = data['inputs']
        data_samples = data.get('data_samples')
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        if training and self.batch_views is not None:
            inputs, data_samples = self.batch_views(inputs, data_samples)
        if inputs.dim() == 4:
            out = self._process(inputs)
        elif inputs.dim() == 5:
            b, v = inputs.shape[:2]
            out = self._process(inputs.flatten(0, 1))
            out = out.view(b, v, *out.shape[1:])
        else:
            raise ValueError(f'inputs must be [B, C, H, W] or [B, V, C, H, W], got '
                             f'{tuple(inputs.shape)}')
        return dict(inputs=out, data_samples=data_samples)
