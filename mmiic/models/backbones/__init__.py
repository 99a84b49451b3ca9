from .iic_resnet import IICResNet
from .iic_vgg import ARCHS, IICVGG

__all__ = ['ARCHS', 'IICResNet', 'IICVGG']
