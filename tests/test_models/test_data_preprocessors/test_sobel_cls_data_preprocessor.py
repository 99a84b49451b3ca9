import pytest
import torch
from mmpretrain.structures import DataSample

from mmiic.models.data_preprocessors import (IICDataPreprocessor, SobelClsDataPreprocessor,
                                             sobel_filter)


def _batch(images):
    return dict(inputs=list(images),
                data_samples=[DataSample().set_gt_label(i % 3) for i in range(len(images))])


def test_gives_the_backbone_the_same_inputs_as_iic_training():
    images = torch.randint(0, 256, (3, 3, 8, 8), dtype=torch.uint8)
    pre = SobelClsDataPreprocessor(mean=[0., 0., 0.], std=[255., 255., 255.], num_classes=3)
    out = pre(_batch(images), training=True)
    iic = IICDataPreprocessor(sobel='sobel', in_channels=3)(dict(inputs=images))['inputs']
    assert out['inputs'].shape == (3, 2, 8, 8)
    assert torch.allclose(out['inputs'], iic, atol=1e-6)
    # mmpretrain's label handling is kept.
    assert [int(s.gt_label) for s in out['data_samples']] == [0, 1, 2]


def test_mmpretrain_options_apply_before_sobel():
    images = torch.randint(0, 256, (2, 3, 6, 6), dtype=torch.uint8)
    pre = SobelClsDataPreprocessor(sobel='sobel_rgb', mean=[1., 2., 3.], std=[2., 2., 2.],
                                   to_rgb=True)
    out = pre(_batch(images))['inputs']
    expected = sobel_filter((images.flip(1).float() - torch.tensor([1., 2., 3.]).view(3, 1, 1)) / 2,
                            keep_rgb=True)
    assert out.shape == (2, 5, 6, 6)
    assert torch.allclose(out, expected, atol=1e-5)
    with pytest.raises(ValueError, match='sobel must be one of'):
        SobelClsDataPreprocessor(sobel='laplace')
