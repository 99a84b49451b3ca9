import pytest
import torch

from mmiic.models.backbones import IICResNet, IICVGG


def test_vgg_6c_and_10a_shapes():
    net = IICVGG('6c', in_channels=2)
    assert net(torch.randn(2, 2, 24, 24))[0].shape == (2, 512, 3, 3)
    seg = IICVGG('10a', in_channels=5)
    assert seg(torch.randn(1, 5, 32, 32))[0].shape == (1, 512, 16, 16)
    custom = IICVGG([8, 'M', (16, 2)], in_channels=1)
    assert custom(torch.randn(1, 1, 8, 8))[0].shape == (1, 16, 4, 4)


def test_vgg_wrong_channels_message():
    with pytest.raises(ValueError, match=r'expects \[N, 2, H, W\].*got \(1, 3, 24, 24\)'):
        IICVGG('6c', in_channels=2)(torch.randn(1, 3, 24, 24))
    with pytest.raises(ValueError, match='unknown arch'):
        IICVGG('7z')


def test_resnet_5g_stem():
    net = IICResNet(depth=18, in_channels=2)
    out = net(torch.randn(1, 2, 64, 64))
    assert out[-1].shape == (1, 512, 4, 4)


def test_reflect_padding_names_the_smallest_input():
    import pytest
    import torch

    from mmiic.models.backbones import IICVGG
    net = IICVGG(arch=[16, 'M', 32, 'M', 64, (64, 2), (64, 4)], in_channels=2,
                 padding_mode='reflect')
    assert net.min_input_size == 20  # dilation 4 after two poolings: (4 + 1) * 4
    assert net(torch.rand(1, 2, 20, 24))[0].shape == (1, 64, 5, 6)
    with pytest.raises(ValueError, match=r'at least 20 px per side, got \(16, 20\)'):
        net(torch.rand(1, 2, 16, 20))
    assert IICVGG(arch=[8, 'M', (8, 4)], padding_mode='zeros').min_input_size == 1
