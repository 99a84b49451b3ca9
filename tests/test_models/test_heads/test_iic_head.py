"""IICHead: the segmentation head pairs the two views of each sample and owns its loss."""
import pytest
import torch
import torch.nn.functional as F
from mmseg.structures import SegDataSample

from mmiic.models import IICHead
from mmiic.models.losses import dense_iic_loss


def _head(**kwargs):
    torch.manual_seed(0)
    cfg = dict(in_channels=4, num_classes=3, num_overclusters=5, num_subheads=2,
               loss_decode=dict(type='mmiic.IICLoss', displacement=2))
    return IICHead(**dict(cfg, **kwargs))


def _samples(affines, size):
    samples = []
    for affine in affines:
        sample = SegDataSample()
        sample.set_metainfo(dict(view_affine=affine, valid_mask=torch.ones(size, dtype=torch.bool),
                                 valid_mask_t=torch.ones(size, dtype=torch.bool)))
        samples.append(sample)
    return samples


def _translation(tx, ty):
    return torch.tensor([[1., 0., tx], [0., 1., ty], [0., 0., 1.]])


def test_loss_pairs_each_pixel_with_what_the_second_view_shows():
    """Second views shifted by whole pixels: the head must score first-view pixel u against
    second-view pixel u + t (where that lies inside the image), i.e. the first view
    against itself on the overlap."""
    head = _head()
    feats = torch.randn(2, 4, 10, 12)
    shifts = [(2, 1), (-3, 0)]
    second = torch.empty_like(feats)
    for i, (tx, ty) in enumerate(shifts):
        # Second-view pixel (x + tx, y + ty) shows first-view pixel (x, y).
        second[i] = torch.roll(feats[i], shifts=(ty, tx), dims=(1, 2))
    samples = _samples([_translation(tx, ty) for tx, ty in shifts], (10, 12))
    losses = head.loss([torch.cat([feats, second])], samples)

    probs = head.cluster_heads(feats, ['main'])['main']  # [h, 2, k, 10, 12]
    ys, xs = torch.meshgrid(torch.arange(10), torch.arange(12), indexing='ij')
    overlap = torch.stack([(xs + tx >= 0) & (xs + tx < 12) & (ys + ty >= 0) & (ys + ty < 10)
                           for tx, ty in shifts])
    expected = dense_iic_loss(probs, probs, displacement=2, mask_t=overlap)
    assert set(losses) == {'loss_main', 'main_subhead0', 'main_subhead1'}
    torch.testing.assert_close(torch.stack([losses['main_subhead0'], losses['main_subhead1']]),
                               expected)
    torch.testing.assert_close(losses['loss_main'], expected.mean())


@pytest.mark.parametrize('at_input_size', [True, False])
def test_loss_resolution_follows_loss_at_input_size(at_input_size):
    """Features at half the input size (identical views): the loss is that of the
    upsampled probabilities, or of the head's own, with the masks at that size."""
    head = _head(loss_at_input_size=at_input_size)
    feats = torch.randn(2, 4, 6, 8)
    samples = _samples([torch.eye(3)] * 2, (12, 16))
    losses = head.loss([torch.cat([feats, feats])], samples)
    probs = head.cluster_heads(feats, ['main'])['main']
    if at_input_size:
        probs = F.interpolate(probs.flatten(0, 1), size=(12, 16), mode='bilinear',
                              align_corners=False).view(2, 2, 3, 12, 16)
    expected = dense_iic_loss(probs, probs, displacement=2)
    torch.testing.assert_close(losses['main_subhead0'], expected[0])
    torch.testing.assert_close(losses['main_subhead1'], expected[1])


def test_align_views_scores_the_active_head_and_names_what_is_missing():
    head = _head()
    head.cluster_heads.set_active_head('overcluster')
    feats = torch.randn(4, 4, 6, 6)
    losses = head.loss([feats], _samples([torch.eye(3)] * 2, (6, 6)))
    assert set(losses) == {'loss_overcluster', 'overcluster_subhead0', 'overcluster_subhead1'}
    with pytest.raises(ValueError, match='do not pair the 3 samples'):
        head.loss([feats], _samples([torch.eye(3)] * 3, (6, 6)))
    bare = [SegDataSample(), SegDataSample()]
    with pytest.raises(KeyError, match="'view_affine'.*IICDenseViews"):
        head.loss([feats], bare)


def test_only_cluster_heads_are_weights_and_predict_uses_the_test_subhead():
    head = _head(test_head='overcluster', test_subhead=1)
    assert not hasattr(head, 'conv_seg') and not hasattr(head, 'loss_decode')
    assert sorted(head.state_dict()) == [
        f'cluster_heads.heads.{name}.predictors.{i}.{p}' for name in ('main', 'overcluster')
        for i in (0, 1) for p in ('bias', 'weight')] + ['cluster_heads.test_subhead_index']
    assert (head.num_classes, head.out_channels) == (3, 5)
    feats = torch.randn(1, 4, 5, 5)
    seg_logits = head.predict([torch.zeros(1, 2, 3, 3), feats], [dict(img_shape=(10, 10))],
                              test_cfg=None)
    probs = head.cluster_heads(feats, ['overcluster'])['overcluster'][1]
    torch.testing.assert_close(seg_logits, F.interpolate(probs, size=(10, 10), mode='bilinear'))
    with pytest.raises(ValueError, match="test_head 'extra'"):
        _head(test_head='extra')
    with pytest.raises(TypeError, match='in_index must be one int'):
        _head(in_index=[0, 1])


def test_a_seed_gives_the_initial_weights_of_the_former_base_decode_head():
    """Until the split, IICHead was a BaseDecodeHead: mmseg built a classifier conv (then
    deleted) before the cluster heads. Same seed, same initial cluster-head weights (and
    hence the same runs) as that construction."""
    from mmseg.models.decode_heads.decode_head import BaseDecodeHead

    from mmiic.models.heads import ClusterHeads

    class FormerHead(BaseDecodeHead):

        def __init__(self):
            super().__init__(in_channels=4, channels=4, num_classes=3, init_cfg=None,
                             loss_decode=dict(type='mmiic.IICLoss', displacement=2))
            self.cluster_heads = ClusterHeads(4, 3, 5, 2, dense=True)

        def forward(self, inputs):
            return inputs

    torch.manual_seed(3)
    former = FormerHead().cluster_heads.state_dict()
    torch.manual_seed(3)
    now = IICHead(in_channels=4, num_classes=3, num_overclusters=5, num_subheads=2).state_dict()
    assert former.keys() == {k.split('cluster_heads.', 1)[1] for k in now}
    for key, value in former.items():
        assert torch.equal(now[f'cluster_heads.{key}'], value), key
