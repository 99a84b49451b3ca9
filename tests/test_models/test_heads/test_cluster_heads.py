import pytest
import torch

from mmiic.models.heads import ClusterHeads


def test_heads_shapes_and_independent_subheads():
    heads = ClusterHeads(in_channels=8, num_classes=3, num_overclusters=7, num_subheads=4)
    out = heads(torch.randn(5, 8))
    assert out['main'].shape == (4, 5, 3) and out['overcluster'].shape == (4, 5, 7)
    assert torch.allclose(out['main'].sum(-1), torch.ones(4, 5))
    assert not torch.allclose(out['main'][0], out['main'][1])
    dense = ClusterHeads(in_channels=8, num_classes=3, num_subheads=2, dense=True)
    assert dense(torch.randn(2, 8, 4, 4))['main'].shape == (2, 2, 3, 4, 4)


def test_loss_of_active_head_averages_subheads():
    torch.manual_seed(0)
    heads = ClusterHeads(in_channels=4, num_classes=2, num_overclusters=4, num_subheads=3,
                         loss=dict(type='mmiic.IICLoss', lamb=1.0),
                         overcluster_loss=dict(type='mmiic.IICLoss', lamb=2.0))
    probs = heads(torch.randn(6, 4))
    heads.set_active_head('overcluster')
    losses = heads.loss(probs['overcluster'], probs['overcluster'])
    assert set(losses) == {'loss_overcluster', 'overcluster_subhead0', 'overcluster_subhead1',
                           'overcluster_subhead2'}
    mean = sum(losses[f'overcluster_subhead{i}'] for i in range(3)) / 3
    assert losses['loss_overcluster'].item() == pytest.approx(mean.item())
    assert losses['loss_overcluster'].requires_grad
    assert heads.losses['overcluster'].lamb == 2.0 and heads.losses['main'].lamb == 1.0


def test_bad_head_configs_are_refused():
    with pytest.raises(ValueError, match=r'num_overclusters \(3\) must exceed num_classes \(5\)'):
        ClusterHeads(in_channels=4, num_classes=5, num_overclusters=3)
    with pytest.raises(ValueError, match='num_classes must be >= 2'):
        ClusterHeads(in_channels=4, num_classes=1)
    with pytest.raises(ValueError, match="unknown head 'overcluster'"):
        ClusterHeads(in_channels=4, num_classes=2).set_active_head('overcluster')


def test_predicting_subhead_is_part_of_the_state():
    heads = ClusterHeads(in_channels=8, num_classes=3, num_subheads=4)
    heads.test_subhead = 2
    state = heads.state_dict()
    assert int(state['test_subhead_index']) == 2
    fresh = ClusterHeads(in_channels=8, num_classes=3, num_subheads=4)
    fresh.load_state_dict(state)
    assert fresh.test_subhead == 2
    state['test_subhead_index'] = torch.tensor(4)
    with pytest.raises(ValueError, match='test_subhead_index is 4, but this model has 4 sub-heads'):
        fresh.load_state_dict(state)
