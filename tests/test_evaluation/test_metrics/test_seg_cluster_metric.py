import numpy as np
import pytest
import torch

from mmiic.evaluation.metrics import SegClusterMetric, matched_iou


def _sample(pred, label, fit=False):
    sample = dict(pred_sem_seg=dict(data=torch.tensor(pred)[None]),
                  gt_sem_seg=dict(data=torch.tensor(label)[None]))
    if fit:
        sample['mapping_fit'] = True  # metainfo keys are top-level in the dict mmengine passes
    return sample


def test_permuted_segmentation_scores_perfectly_and_ignores_255():
    metric = SegClusterMetric(num_classes=2)
    metric.process(None, [_sample([[1, 1], [0, 0]], [[0, 0], [1, 255]])])
    metric.process(None, [_sample([[0, 1], [1, 1]], [[1, 0], [0, 0]])])
    assert len(metric.results) == 2  # one confusion matrix per image
    out = metric.evaluate(2)
    assert out['seg/acc'] == pytest.approx(100.0) and out['seg/miou'] == pytest.approx(100.0)


def test_samples_padded_by_the_distributed_sampler_do_not_count():
    """mmengine drops results past the data set size (the sampler's padding);
    a running confusion matrix would count the padded image twice."""
    metric = SegClusterMetric(num_classes=2)
    metric.process(None, [_sample([[0, 0]], [[0, 0]]), _sample([[1, 1]], [[0, 1]])])
    metric.process(None, [_sample([[0, 0]], [[0, 0]])])  # image 0 again, as padding
    out = metric.evaluate(2)
    assert out['seg/acc'] == pytest.approx(100 * 3 / 4)


def test_hand_computed_acc_and_iou():
    metric = SegClusterMetric(num_classes=2, num_clusters=3)
    # clusters x classes: c0 -> (3, 0), c1 -> (0, 3), c2 -> (1, 2); c2 stays unmatched
    metric.process(None, [_sample([0, 0, 0, 1, 1, 1, 2, 2, 2], [0, 0, 0, 1, 1, 1, 0, 1, 1])])
    out = metric.evaluate(1)
    assert out['seg/acc'] == pytest.approx(100 * 6 / 9)
    # class 0: tp 3, union 4 (true) + 3 (pred) - 3; class 1: tp 3, union 5 + 3 - 3
    assert out['seg/miou'] == pytest.approx(100 * (3 / 4 + 3 / 5) / 2)
    assert out['seg/acc_many_to_one_transductive'] == pytest.approx(100 * 8 / 9)
    assert 'seg/acc_many_to_one_train_fit' not in out  # no labelled fit images given
    iou = matched_iou(np.array([[3, 0], [0, 2], [1, 2]]), np.array([0, 1, -1]))
    np.testing.assert_allclose(iou, [0.75, 0.5])


def test_size_mismatch_and_bad_cluster_count():
    metric = SegClusterMetric(num_classes=2)
    with pytest.raises(ValueError, match='differ in size'):
        metric.process(None, [_sample([[0, 1]], [[0, 1, 1]])])
    with pytest.raises(ValueError, match=r'num_clusters \(2\) must be >= num_classes \(3\)'):
        SegClusterMetric(num_classes=3, num_clusters=2)


def test_many_to_one_map_fit_on_the_train_images_scores_the_test_images():
    metric = SegClusterMetric(num_classes=2, num_clusters=4)
    # Train images: clusters 0, 1 -> class 0; 2 -> class 1; 3 -> class 0.
    metric.process(None, [_sample([0, 1, 2, 2, 3, 3], [0, 0, 1, 1, 0, 255], fit=True)])
    # Test images: cluster 3 now holds class-1 pixels.
    metric.process(None, [_sample([0, 1, 2, 3, 3, 3], [0, 0, 1, 1, 1, 0])])
    out = metric.evaluate(2)
    assert out['seg/acc_many_to_one_train_fit'] == pytest.approx(100 * 4 / 6)
    assert out['seg/acc_many_to_one_transductive'] == pytest.approx(100 * 5 / 6)
    # Hungarian metrics come from the test image alone: 3 -> 1, one of 0/1 -> 0.
    assert out['seg/acc'] == pytest.approx(100 * 3 / 6)


def test_mapping_names_come_from_the_data_set_when_not_given():
    metric = SegClusterMetric(num_classes=2)
    metric.dataset_meta = dict(classes=('sky', 'ground'))
    metric.process(None, [_sample([[1, 1], [0, 0]], [[0, 0], [1, 1]])])
    metric.evaluate(1)
    assert metric.cluster_mapping == dict(head='main', mapping=[1, 0], classes=['sky', 'ground'])
    named = SegClusterMetric(num_classes=2, class_names=('a', 'b'))
    named.dataset_meta = dict(classes=('sky', 'ground'))
    named.process(None, [_sample([[1, 1], [0, 0]], [[0, 0], [1, 1]])])
    named.evaluate(1)
    assert named.cluster_mapping['classes'] == ['a', 'b']


def test_overclustering_mapping_is_many_to_one():
    metric = SegClusterMetric(num_classes=2, num_clusters=4)
    metric.process(None, [_sample([0, 1, 2, 2, 3, 3], [0, 0, 1, 1, 0, 255], fit=True)])
    metric.process(None, [_sample([0, 1, 2, 3, 3, 3], [0, 0, 1, 1, 1, 0])])
    metric.evaluate(2)
    # Fit on the train-fit image: every cluster named, not only the Hungarian two.
    assert metric.cluster_mapping == dict(head='overcluster', mapping=[0, 0, 1, 0],
                                          classes=['0', '1'])


def test_sizes_default_to_the_data_sets_classes_and_the_tested_heads_clusters():
    # The folder template's evaluator names neither: 2 classes from the data set, 3
    # clusters from the predictions' seg_logits (the README's case that failed with
    # 'pred ids must lie in [0, 2)').
    metric = SegClusterMetric()
    metric.dataset_meta = dict(classes=('stripes', 'flat'))
    sample = _sample([[0, 1, 2, 2]], [[0, 1, 1, 1]])
    sample['seg_logits'] = dict(data=torch.zeros(3, 1, 4))
    metric.process(None, [sample])
    out = metric.evaluate(1)
    assert metric.num_clusters == 3 and metric.num_classes == 2
    assert out['seg/acc'] == 75.0  # cluster 2 (two pixels) and cluster 0 matched
    assert metric.cluster_mapping['classes'] == ['stripes', 'flat']
    too_few = SegClusterMetric()
    too_few.dataset_meta = dict(classes=('a', 'b', 'c'))
    sample['seg_logits'] = dict(data=torch.zeros(2, 1, 4))
    with pytest.raises(ValueError, match=r'num_clusters \(2\) must be >= num_classes \(3\)'):
        too_few.process(None, [sample])
