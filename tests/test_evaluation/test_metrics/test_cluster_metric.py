import numpy as np
import pytest
import torch
from mmpretrain.structures import DataSample

from mmiic.evaluation.metrics import ClusterMetric

UNIFORM = torch.full((2, 2), 0.5)  # [1 + r, k] of an undecided sub-head


def _confident(cluster, k=2):
    """[1 + r, k] views that agree on ``cluster`` with certainty."""
    return torch.eye(k)[cluster].repeat(2, 1)


def _sample(label, clusters, view_probs=None, over=None, over_view_probs=None, k=None, fit=False):
    s = DataSample().set_gt_label(label)
    s.set_field(torch.tensor(clusters), 'main_clusters', field_type='metainfo')
    if view_probs is not None:
        s.set_field(view_probs, 'main_view_probs', field_type='metainfo')
    if over is not None:
        s.set_field(torch.tensor(over), 'overcluster_clusters', field_type='metainfo')
    if over_view_probs is not None:
        s.set_field(over_view_probs, 'overcluster_view_probs', field_type='metainfo')
    if k is not None:
        s.set_metainfo(dict(main_num_clusters=k))
    if fit:
        s.set_metainfo(dict(mapping_fit=True))
    return s


def test_reports_the_lowest_loss_subhead_not_the_best_acc():
    # Sub-head 0 is perfect, sub-head 1 is wrong, but sub-head 1's views are
    # confident and agree across the set (low IIC loss) while sub-head 0's are uniform.
    metric = ClusterMetric(num_classes=2)
    samples = []
    for i, label in enumerate((0, 1, 0, 1)):
        views = torch.stack([UNIFORM, _confident(i % 2)])  # [h, 1 + r, k]
        samples.append(_sample(label, [label, 0], views, over=[label * 2, 1]))
    metric.process(None, samples)
    out = metric.evaluate(4)
    assert out['cluster/acc'] == pytest.approx(50.0)
    assert out['cluster/acc_best'] == pytest.approx(100.0)
    assert out['cluster/acc_mean'] == pytest.approx(75.0)
    assert out['cluster/loss_subhead1'] < out['cluster/loss_subhead0']
    assert out['cluster/loss_subhead1'] == pytest.approx(-np.log(2))
    assert 'cluster/overcluster_acc_many_to_one_transductive' in out
    assert 'cluster/overcluster_acc_many_to_one_train_fit' not in out  # no fit split given


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
    with pytest.raises(ValueError, match='set model.head.num_classes to 10'):
        metric.process(None, [_sample(1, [0, 1], k=5)])


def test_main_head_with_more_clusters_than_classes():
    # Semi-supervised overclustering: one head, k = 5 clusters, 3 classes.
    # Clusters 0, 1 -> class 0; 2, 3 -> class 1; 4 -> class 2 (one error: a
    # class-2 sample in cluster 3).
    clusters = [0, 1, 0, 2, 3, 3, 4, 4, 3]
    labels = [0, 0, 0, 1, 1, 1, 2, 2, 2]
    metric = ClusterMetric(num_classes=3)
    metric.process(None, [_sample(y, [c], k=5) for c, y in zip(clusters, labels)])
    out = metric.evaluate(len(labels))
    # Rectangular Hungarian: 0 -> 0 (2), 3 -> 1 (2), 4 -> 2 (2); clusters 1, 2 unmatched.
    assert out['cluster/acc'] == pytest.approx(100 * 6 / 9)
    assert out['cluster/acc_many_to_one_transductive'] == pytest.approx(100 * 8 / 9)
    assert 'cluster/acc_many_to_one_train_fit' not in out


def test_many_to_one_map_is_fit_on_the_fit_split_and_scored_on_the_test_split():
    # The fit split maps cluster 2 to class 1; on the test split cluster 2
    # holds class-0 samples, so a map fit on the test split itself (transductive)
    # scores higher than the paper's protocol.
    fit = [(0, 0), (1, 0), (2, 1), (2, 1), (3, 1), (4, 2)]  # (cluster, label)
    test = [(0, 0), (2, 0), (2, 0), (3, 1), (4, 2), (4, 2)]
    metric = ClusterMetric(num_classes=3)
    metric.process(None, [_sample(y, [c], k=5, fit=True) for c, y in fit])
    metric.process(None, [_sample(y, [c], k=5) for c, y in test])
    out = metric.evaluate(len(fit) + len(test))
    assert out['cluster/acc_many_to_one_train_fit'] == pytest.approx(100 * 4 / 6)
    assert out['cluster/acc_many_to_one_transductive'] == pytest.approx(100.0)
    # Hungarian metrics score the test split only: 2 -> 0, 3 -> 1, 4 -> 2.
    assert out['cluster/acc'] == pytest.approx(100 * 5 / 6)


def test_overclustering_head_is_scored_by_the_subhead_of_its_own_lowest_loss():
    # Main head: sub-head 0 has the lower loss. Overclustering head: sub-head 1
    # (agreeing, confident views) has the lower loss; its clusters map
    # perfectly, sub-head 0's do not.
    samples = []
    for i, label in enumerate((0, 1, 0, 1)):
        main_views = torch.stack([_confident(label), UNIFORM])
        over_views = torch.stack([torch.full((2, 4), 0.25), _confident(2 * label + i // 2, 4)])
        samples.append(_sample(label, [label, 0], main_views, over=[0, 2 * label + i // 2],
                               over_view_probs=over_views))
    fit = [_sample(label, [label, 0], over=[0, 2 * label + i // 2], fit=True)
           for i, label in enumerate((0, 1, 0, 1))]
    metric = ClusterMetric(num_classes=2)
    metric.process(None, samples + fit)
    out = metric.evaluate(8)
    assert out['cluster/loss_subhead0'] < out['cluster/loss_subhead1']
    assert out['cluster/overcluster_acc_many_to_one_train_fit'] == pytest.approx(100.0)
    assert out['cluster/overcluster_acc_many_to_one_transductive'] == pytest.approx(100.0)


def test_only_fit_samples_is_refused():
    metric = ClusterMetric(num_classes=2)
    metric.process(None, [_sample(0, [0], fit=True)])
    with pytest.raises(ValueError, match='no test samples'):
        metric.evaluate(1)


def test_unlabelled_set_still_chooses_the_subhead_and_names_it():
    def views(i):
        return torch.stack([UNIFORM, _confident(i % 2)])  # sub-head 1 has the lower loss

    def unlabelled(clusters, view_probs, idx):
        s = DataSample()
        s.set_metainfo(dict(sample_idx=idx))
        s.set_field(torch.tensor(clusters), 'main_clusters', field_type='metainfo')
        s.set_field(view_probs, 'main_view_probs', field_type='metainfo')
        return s

    metric = ClusterMetric(num_classes=2)
    metric.process(None, [unlabelled([0, i % 2], views(i), i) for i in range(4)])
    out = metric.evaluate(4)
    assert out['cluster/chosen_subhead'] == 1 and 'cluster/acc' not in out
    assert out['cluster/loss_subhead1'] < out['cluster/loss_subhead0']
    # Labelled: the chosen sub-head is reported with the metrics and its mapping kept.
    metric = ClusterMetric(num_classes=2)
    metric.process(None, [_sample(1 - i % 2, [0, i % 2], views(i)) for i in range(4)])
    assert metric.evaluate(4)['cluster/chosen_subhead'] == 1
    assert metric.cluster_mapping == dict(head='main', subhead=1, mapping=[1, 0])
    metric = ClusterMetric(num_classes=2)
    metric.process(None, [_sample(0, [0, 0], views(0)), unlabelled([0, 0], views(1), 7)])
    with pytest.raises(ValueError, match='1 of 2 evaluation samples have no gt_label .*sample 7'):
        metric.evaluate(2)


def test_number_of_classes_defaults_to_the_data_sets_classes():
    # Two labelled classes, four clusters (e.g. the folder template's num_clusters): the
    # mapping names classes of the data only, so tools/infer.py --mapping can read it.
    metric = ClusterMetric()
    metric.dataset_meta = dict(classes=('bright', 'dark'))
    metric.process(None, [_sample(c % 2, [c], k=4) for c in range(4)])
    out = metric.evaluate(4)
    assert out['cluster/acc'] == 50.0
    assert set(metric.cluster_mapping['mapping']) <= {-1, 0, 1}
    unlabelled = ClusterMetric()
    unlabelled.dataset_meta = dict(classes=())
    sample = DataSample()
    sample.set_metainfo(dict(main_clusters=torch.tensor([0]), main_num_clusters=4))
    unlabelled.process(None, [sample])
    assert unlabelled.evaluate(1) == {'cluster/chosen_subhead': 0}
    with pytest.raises(ValueError, match='num_classes is not set and the evaluated data set '
                                         'names no classes'):
        ClusterMetric().process(None, [_sample(0, [0], k=4)])
