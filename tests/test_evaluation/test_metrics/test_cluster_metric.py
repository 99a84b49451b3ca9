import pytest
import torch
from mmpretrain.structures import DataSample

from mmiic.evaluation.metrics import ClusterMetric


def _sample(label, clusters, joint=None, over=None):
    s = DataSample().set_gt_label(label)
    s.set_field(torch.tensor(clusters), 'main_clusters', field_type='metainfo')
    if joint is not None:
        s.set_field(joint, 'main_joint', field_type='metainfo')
    if over is not None:
        s.set_field(torch.tensor(over), 'overcluster_clusters', field_type='metainfo')
    return s


def test_reports_the_lowest_loss_subhead_not_the_best_acc():
    # Sub-head 0 is perfect, sub-head 1 is wrong, but sub-head 1's joints are
    # confident and diagonal (low IIC loss) while sub-head 0's are uniform.
    metric = ClusterMetric(num_classes=2)
    samples = []
    for label in (0, 1, 0, 1):
        joint = torch.stack([torch.full((2, 2), 0.25), torch.eye(2) * 0.5])
        samples.append(_sample(label, [label, 0], joint, over=[label * 2, 1]))
    metric.process(None, samples)
    out = metric.evaluate(4)
    assert out['cluster/acc'] == pytest.approx(50.0)
    assert out['cluster/acc_best'] == pytest.approx(100.0)
    assert out['cluster/acc_mean'] == pytest.approx(75.0)
    assert out['cluster/loss_subhead1'] < out['cluster/loss_subhead0']
    assert 'cluster/overcluster_acc_many_to_one' in out


def test_without_pairs_falls_back_to_subhead_zero_and_checks_labels():
    metric = ClusterMetric(num_classes=2)
    metric.process(None, [_sample(0, [1, 0]), _sample(1, [0, 0])])
    assert metric.evaluate(2)['cluster/acc'] == pytest.approx(100.0)
    metric = ClusterMetric(num_classes=2)
    metric.process(None, [_sample(5, [1, 0])])
    with pytest.raises(ValueError, match=r'labels must lie in \[0, 2\)'):
        metric.evaluate(1)


def test_head_with_fewer_clusters_than_classes_is_named():
    metric = ClusterMetric(num_classes=10)
    sample = _sample(1, [0, 1])
    sample.set_metainfo(dict(main_num_clusters=5))
    with pytest.raises(ValueError, match='set model.head.num_classes to 10'):
        metric.process(None, [sample])


def test_unlabelled_set_still_chooses_the_subhead_and_names_it():
    def unlabelled(clusters, joint, idx):
        s = DataSample()
        s.set_metainfo(dict(sample_idx=idx))
        s.set_field(torch.tensor(clusters), 'main_clusters', field_type='metainfo')
        s.set_field(joint, 'main_joint', field_type='metainfo')
        return s

    joint = torch.stack([torch.full((2, 2), 0.25), torch.eye(2) * 0.5])
    metric = ClusterMetric(num_classes=2)
    metric.process(None, [unlabelled([0, 1], joint, i) for i in range(4)])
    out = metric.evaluate(4)
    assert out['cluster/chosen_subhead'] == 1 and 'cluster/acc' not in out
    assert out['cluster/loss_subhead1'] < out['cluster/loss_subhead0']
    # Labelled: the chosen sub-head is reported with the metrics and its mapping kept.
    metric = ClusterMetric(num_classes=2)
    metric.process(None, [_sample(label, [label, 1 - label], joint) for label in (0, 1, 0, 1)])
    assert metric.evaluate(4)['cluster/chosen_subhead'] == 1
    assert metric.cluster_mapping == dict(head='main', subhead=1, mapping=[1, 0])
    metric = ClusterMetric(num_classes=2)
    metric.process(None, [_sample(0, [0, 0], joint), unlabelled([0, 0], joint, 7)])
    with pytest.raises(ValueError, match='1 of 2 evaluation samples have no gt_label .*sample 7'):
        metric.evaluate(2)
