import collections
import copy

import torch
import pytest
import torch.nn as nn
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

from mmiic.models.classifiers import IICClassifier
from mmiic.models.utils import use_channels_last
from mmiic.registry import MODELS
from mmiic.testing import dense_view_batch

CHANNELS_LAST = torch.channels_last


def _trunk() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(8, 4, 3, padding=1, padding_mode='reflect'))


def test_backbone_computes_channels_last_and_returns_nchw_with_the_same_values():
    plain = _trunk()
    fast = use_channels_last(copy.deepcopy(plain))
    seen = []
    fast[0].register_forward_pre_hook(
        lambda m, a: seen.append(a[0].is_contiguous(memory_format=CHANNELS_LAST)))
    assert fast[0].weight.is_contiguous(memory_format=CHANNELS_LAST)
    x = torch.randn(5, 3, 12, 12)
    out_plain, out_fast = plain(x), fast(x)
    assert seen == [True]
    assert out_fast.shape == (5, 4, 6, 6) and out_fast.is_contiguous()
    assert torch.allclose(out_fast, out_plain, atol=1e-5)
    out_plain.square().sum().backward()
    out_fast.square().sum().backward()
    assert torch.allclose(fast[0].weight.grad, plain[0].weight.grad, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('kind', ['tuple', 'list', 'namedtuple', 'dict'])
def test_container_outputs_come_back_contiguous(kind):
    Pair = collections.namedtuple('Pair', 'first second')

    class TwoStages(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Conv2d(3, 4, 3), nn.Conv2d(4, 4, 3)

        def forward(self, x):
            y = self.a(x)
            z = self.b(y)
            return dict(tuple=(y, z), list=[y, z], namedtuple=Pair(y, z), dict=dict(a=y, b=z))[kind]

    outs = use_channels_last(TwoStages())(torch.randn(2, 3, 9, 9))
    assert type(outs) is dict(tuple=tuple, list=list, namedtuple=Pair, dict=dict)[kind]
    values = outs.values() if kind == 'dict' else outs
    assert all(o.is_contiguous() and o.dim() == 4 for o in values)


def _same_weights(build, **kwargs):
    torch.manual_seed(0)
    plain = build(channels_last=False, **kwargs)
    fast = build(channels_last=True, **kwargs)
    fast.load_state_dict(plain.state_dict())
    return plain, fast


def test_classifier_option_gives_the_same_loss():
    cfg = dict(
        backbone=dict(type='mmiic.IICVGG', arch=[4, 'M', 8, 'M'], in_channels=2),
        head=dict(type='mmiic.ClusterHeads', in_channels=8 * 2 * 2, num_classes=3,
                  num_subheads=2),
        data_preprocessor=dict(type='mmiic.IICDataPreprocessor', sobel='sobel', in_channels=1))
    plain, fast = _same_weights(lambda **kw: IICClassifier(**copy.deepcopy(cfg), **kw))
    fast.init_weights()  # as the runner does: the layout survives initialisation
    fast.load_state_dict(plain.state_dict())
    assert fast.backbone.layers[0].conv.weight.is_contiguous(memory_format=CHANNELS_LAST)
    torch.manual_seed(1)
    batch = dict(inputs=torch.randint(0, 255, (6, 3, 1, 8, 8), dtype=torch.uint8),
                 data_samples=[DataSample().set_gt_label(i % 3) for i in range(6)])
    losses = [m(**m.data_preprocessor(batch, True), mode='loss')['loss_main']
              for m in (plain, fast)]
    assert torch.allclose(losses[0], losses[1], atol=1e-5)


def test_segmentor_option_gives_the_same_loss_and_prediction():
    init_default_scope('mmseg')

    def build(**kw):
        return MODELS.build(dict(
            type='mmiic.IICSegmentor', **kw,
            data_preprocessor=dict(type='mmiic.IICDataPreprocessor', sobel='sobel_rgb'),
            backbone=dict(type='mmiic.IICVGG', arch=[8, 'M', 16, (16, 2)], in_channels=5,
                          padding_mode='reflect'),
            decode_head=dict(type='mmiic.IICHead', in_channels=16, num_classes=3,
                             num_subheads=2,
                             loss_decode=dict(type='mmiic.IICLoss', displacement=3,
                                              per_displacement=True))))

    plain, fast = _same_weights(build)
    batch = dense_view_batch()
    losses = [m(**m.data_preprocessor(batch, True), mode='loss')['loss_main']
              for m in (plain, fast)]
    assert torch.allclose(losses[0], losses[1], atol=1e-5)
    plain.eval(), fast.eval()
    batch = dense_view_batch(n=1)
    preds = [m(**m.data_preprocessor(batch, False), mode='predict')[0] for m in (plain, fast)]
    assert torch.allclose(preds[0].seg_logits.data, preds[1].seg_logits.data, atol=1e-5)
