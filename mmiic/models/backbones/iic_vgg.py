"""VGG-style trunks of the IIC paper (clustering "6c", segmentation "10a")."""
from typing import List, Sequence, Tuple, Union

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmiic.registry import MODELS

LayerSpec = Union[int, str, Sequence[int]]

# Layer lists of the public IIC reference implementation, as documented in
# the paper's supplementary material: ints are 3x3 conv widths, 'M' a 2x2
# max-pool, (width, dilation) a dilated 3x3 conv.
ARCHS = {
    # ClusterNet6c trunk (MNIST, CIFAR-100-20): 24/32 px in, flattened out.
    '6c': [64, 'M', 128, 'M', 256, 'M', 512],
    # SegmentationNet10a trunk (COCO-Stuff, Potsdam): stride 2, dilated tail.
    '10a': [64, 128, 'M', 256, 256, (512, 2), (512, 2)],
}


@MODELS.register_module()
class IICVGG(BaseModule):
    """Plain VGG trunk: 3x3 conv + BN + ReLU blocks and 2x2 max-pools.

    Args:
        arch (str | list): a key of ``ARCHS`` ('6c', '10a') or a layer list.
        in_channels (int): 1 grey, 2 Sobel, 3 RGB, 4 RGBIR, 5 RGB+Sobel.
        norm_cfg (dict): normalisation layer. Defaults to BN.
        padding_mode (str): 'zeros' or 'reflect'. Reflect padding hides the
            image border, which dense IIC otherwise learns to use as a cue for
            position instead of content. Defaults to 'zeros'.
        init_cfg (dict, optional): mmengine initialisation config.

    Inputs are [N, in_channels, H, W]; the output is a one-element tuple with
    the [N, C_last, H / 2^pools, W / 2^pools] feature map (mmseg/mmpretrain
    backbone convention).
    """

    def __init__(self,
                 arch: Union[str, List[LayerSpec]] = '6c',
                 in_channels: int = 2,
                 norm_cfg: dict = dict(type='BN'),
                 padding_mode: str = 'zeros',
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(arch, str):
            if arch not in ARCHS:
                raise ValueError(f'unknown arch {arch!r}; choose from {sorted(ARCHS)} or give a list')
            arch = ARCHS[arch]
        self.in_channels = in_channels
        layers: List[nn.Module] = []
        channels = in_channels
        stride = 1
        # Reflect padding of p needs feature maps larger than p: the smallest input side.
        self.min_input_size = 1
        for spec in arch:
            if spec == 'M':
                layers.append(nn.MaxPool2d(2, 2))
                stride *= 2
                continue
            width, dilation = (spec, 1) if isinstance(spec, int) else tuple(spec)
            if padding_mode == 'reflect':
                self.min_input_size = max(self.min_input_size, (dilation + 1) * stride)
            layers.append(
                ConvModule(channels, width, 3, padding=dilation, dilation=dilation,
                           norm_cfg=norm_cfg, act_cfg=dict(type='ReLU'),
                           padding_mode=padding_mode))
            channels = width
        self.layers = nn.Sequential(*layers)
        self.out_channels = channels

    def forward(self, x: Tensor) -> Tuple[Tensor]:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'{type(self).__name__} expects [N, {self.in_channels}, H, W] inputs, '
                             f'got {tuple(x.shape)}; check in_channels against the Sobel setting '
                             '(1 grey, 2 Sobel, 5 Sobel+RGB, 4 RGBIR)')
        if min(x.shape[2:]) < self.min_input_size:
            raise ValueError(f'{type(self).__name__} with reflect padding needs inputs of at least '
                             f'{self.min_input_size} px per side, got {tuple(x.shape[2:])}: images '
                             'shrunk too far? (e.g. a large OBJECT_SIZE on small images or tiles)')
        return (self.layers(x), )
