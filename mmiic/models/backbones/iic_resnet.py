"""ResNet-34 trunk of the IIC paper's "5g" clustering network."""
import torch.nn as nn
from mmpretrain.models.backbones import ResNet_CIFAR

from mmiic.registry import MODELS


@MODELS.register_module()
class IICResNet(ResNet_CIFAR):
    """ResNet with the IIC "5g" stem: 3x3 stride-1 conv, BN, ReLU, 3x3 max-pool.

    As in the public reference (ClusterNet5gTrunk) the stem keeps small
    inputs (64 px STL-10 crops, 32 px CIFAR) at usable resolution: only the
    max-pool and stages 2-4 downsample. Any mmpretrain ResNet argument
    applies (``depth=34`` for the paper's network; ``in_channels`` 2 for
    Sobel inputs).
    """

    def __init__(self, depth: int = 34, in_channels: int = 2, **kwargs) -> None:
        super().__init__(depth=depth, in_channels=in_channels, **kwargs)
        self.stem_pool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    def forward(self, x):
        x = self.relu(self.norm1(self.conv1(x)))
        x = self.stem_pool(x)
        outs = []
        for i, layer_name in enumerate(self.res_layers):
            x = getattr(self, layer_name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
