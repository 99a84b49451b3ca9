import pytest
import torch

from mmiic.models.data_preprocessors import IICDataPreprocessor, sobel_filter


def test_sobel_of_a_horizontal_ramp():
    ramp = torch.arange(6.).repeat(6, 1)[None, None]  # [1, 1, 6, 6], d/dx = 1 per pixel
    grads = sobel_filter(ramp)
    assert grads.shape == (1, 2, 6, 6)
    assert torch.allclose(grads[0, 0, 1:-1, 1:-1], torch.full((4, 4), 8.0))
    assert torch.allclose(grads[0, 1], torch.zeros(6, 6))
    rgb = torch.rand(2, 3, 5, 5)
    assert sobel_filter(rgb, keep_rgb=True).shape == (2, 5, 5, 5)
    with pytest.raises(ValueError, match='1 or 3 channels'):
        sobel_filter(torch.rand(1, 4, 5, 5))


def test_paired_views_keep_their_layout():
    pre = IICDataPreprocessor(sobel='sobel_rgb', in_channels=3)
    inputs = torch.randint(0, 255, (2, 4, 3, 8, 8), dtype=torch.uint8)
    out = pre(dict(inputs=inputs, data_samples=None))['inputs']
    assert out.shape == (2, 4, 5, 8, 8)
    single = pre(dict(inputs=inputs[:, 2], data_samples=None))['inputs']
    assert torch.allclose(out[:, 2], single)


def test_normalisation_and_channel_check():
    pre = IICDataPreprocessor(mean=[10.], std=[2.], in_channels=1)
    out = pre(dict(inputs=torch.full((1, 1, 2, 2), 14, dtype=torch.uint8)))['inputs']
    assert torch.allclose(out, torch.full((1, 1, 2, 2), 2.0))
    with pytest.raises(ValueError, match=r'3 channels .* in_channels=1'):
        pre(dict(inputs=torch.zeros(1, 3, 2, 2, dtype=torch.uint8)))


def test_channel_order_selects_and_reorders_before_normalising():
    # BGR images from LoadImageFromFile -> RGB for a pretrained backbone.
    bgr = torch.stack([torch.full((2, 2), v, dtype=torch.uint8) for v in (10, 20, 30)])[None]
    pre = IICDataPreprocessor(mean=[30., 20., 10.], std=[1., 2., 5.], in_channels=3,
                              channel_order=(2, 1, 0))
    assert torch.allclose(pre(dict(inputs=bgr))['inputs'], torch.zeros(1, 3, 2, 2))
    # B, G, R, IR crops -> R, G, B, for paired views too.
    bgrir = torch.randint(0, 255, (2, 2, 4, 5, 5), dtype=torch.uint8)
    out = IICDataPreprocessor(in_channels=4, channel_order=(2, 1, 0))(dict(inputs=bgrir))['inputs']
    assert out.shape == (2, 2, 3, 5, 5)
    assert torch.allclose(out, bgrir[:, :, [2, 1, 0]].float() / 255)
    with pytest.raises(ValueError, match=r'channel_order \(0, 1, 3\) .* in_channels=3'):
        IICDataPreprocessor(in_channels=3, channel_order=(0, 1, 3))
    with pytest.raises(ValueError, match='needs more channels'):
        IICDataPreprocessor(channel_order=(0, 1, 2))(dict(inputs=torch.zeros(1, 2, 3, 3)))
