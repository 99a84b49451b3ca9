import pytest
import torch
from mmengine.registry import init_default_scope

from mmiic.registry import MODELS
from mmiic.testing import dense_view_batch


def _model(backbone, in_channels, sobel='sobel_rgb', channels_in=3, **head):
    init_default_scope('mmseg')
    cfg = dict(
        type='mmiic.IICSegmentor',
        data_preprocessor=dict(type='mmiic.IICDataPreprocessor', sobel=sobel, in_channels=channels_in),
        backbone=backbone,
        decode_head=dict(type='mmiic.IICHead', in_channels=in_channels, num_classes=3,
                         num_overclusters=6, num_subheads=2,
                         loss_decode=dict(type='mmiic.IICLoss', displacement=3, per_displacement=True),
                         **head))
    return MODELS.build(cfg)


_batch = dense_view_batch


BACKBONES = [
    (dict(type='mmiic.IICVGG', arch=[8, 'M', 16, (16, 2)], in_channels=5), 16, {}),
    (dict(type='ResNetV1c', depth=18, in_channels=5, out_indices=(3, ), strides=(1, 2, 1, 1),
          dilations=(1, 1, 2, 4), norm_cfg=dict(type='BN')), 512, {}),
    (dict(type='MixVisionTransformer', in_channels=5, embed_dims=16, num_stages=4,
          num_layers=[1, 1, 1, 1], num_heads=[1, 1, 1, 1], patch_sizes=[7, 3, 3, 3],
          sr_ratios=[8, 4, 2, 1], out_indices=(3, )), 16, dict(in_index=0)),
]


@pytest.mark.slow
@pytest.mark.parametrize('backbone,in_channels,head', BACKBONES)
def test_any_mmseg_backbone_trains_and_predicts(backbone, in_channels, head):
    model = _model(backbone, in_channels, **head)
    data = model.data_preprocessor(_batch(), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_main', 'main_subhead0', 'main_subhead1'}
    losses['loss_main'].backward()
    assert torch.isfinite(losses['loss_main'])
    model.eval()
    data = model.data_preprocessor(_batch(n=1), False)
    out = model(**data, mode='predict')
    assert out[0].pred_sem_seg.data.shape == (1, 32, 32)
    assert out[0].pred_sem_seg.data.max() < 3


def test_all_ignored_crop_gives_zero_loss_not_nan():
    model = _model(BACKBONES[0][0], 16)
    data = model.data_preprocessor(_batch(ignore_all=True), True)
    loss = model(**data, mode='loss')['loss_main']
    loss.backward()
    assert loss.item() == 0.0
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert all(torch.equal(g, torch.zeros_like(g)) for g in grads)


def test_overcluster_prediction_and_bad_inputs():
    model = _model(BACKBONES[0][0], 16, test_head='overcluster')
    assert model.decode_head.out_channels == 6
    model.eval()
    out = model(**model.data_preprocessor(_batch(n=1), False), mode='predict')
    assert out[0].pred_sem_seg.data.max() < 6
    with pytest.raises(ValueError, match='view pairs'):
        model(torch.rand(2, 5, 32, 32), _batch()['data_samples'], mode='loss')
    with pytest.raises(ValueError, match=r'4 channels .* in_channels=3'):
        model.data_preprocessor(dict(inputs=torch.zeros(1, 2, 4, 8, 8, dtype=torch.uint8)), True)


def test_the_head_scores_at_its_loss_resolution_and_the_segmentor_says_which():
    model = _model(BACKBONES[0][0], 16, loss_at_input_size=False)
    assert model.loss_at_input_size is False and model.decode_head.loss_at_input_size is False
    data = model.data_preprocessor(_batch(), True)
    feats = model.extract_view_feat(data['inputs'])
    first = model.decode_head.align_views(model.decode_head(feats, ['main'])['main'],
                                          data['data_samples'])[0]
    assert first.shape == (2, 2, 3, 16, 16)  # stride 2: the head's own size
    torch.testing.assert_close(model(**data, mode='loss')['loss_main'],
                               model.decode_head.loss(feats, data['data_samples'])['loss_main'])


def test_loss_at_input_size_given_to_the_segmentor_says_where_it_moved():
    from mmiic.models.segmentors import IICSegmentor
    with pytest.raises(TypeError, match=r'moved to the head: set decode_head=dict\(\.\.\., '
                                        r'loss_at_input_size=False\)'):
        IICSegmentor(backbone=dict(type='mmiic.IICVGG', arch=[4], in_channels=1),
                     decode_head=dict(type='mmiic.IICHead', in_channels=4, num_classes=2),
                     loss_at_input_size=False)
