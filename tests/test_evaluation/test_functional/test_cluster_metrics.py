import math

import numpy as np
import pytest
import torch

from mmiic.evaluation.functional import (cluster_metrics, confusion_matrix, majority_mapping,
                                         mapped_accuracy, metrics_from_confusion)


def test_permuted_perfect_clustering():
    target = np.array([0, 0, 1, 1, 2, 2])
    pred = np.array([2, 2, 0, 0, 1, 1])
    out = cluster_metrics(pred, target)
    assert out['acc'] == 1.0 and out['nmi'] == pytest.approx(1.0) and out['ari'] == pytest.approx(1.0)
    assert out['mapping'].tolist() == [1, 2, 0]


def test_hand_computed_case():
    # clusters x classes: [[3, 1], [0, 2]] -> best match 0->0, 1->1: (3 + 2) / 6.
    target = np.array([0, 0, 0, 1, 1, 1])
    pred = np.array([0, 0, 0, 0, 1, 1])
    out = cluster_metrics(pred, target)
    assert out['acc'] == pytest.approx(5 / 6)
    # ARI by hand: index = C(3,2)+C(2,2)=4, rows C(4,2)+C(2,2)=7, cols 3+3=6, total C(6,2)=15
    expected = 7 * 6 / 15
    assert out['ari'] == pytest.approx((4 - expected) / ((7 + 6) / 2 - expected))
    # NMI by hand with natural logs.
    p = np.array([[3, 1], [0, 2]]) / 6
    rows, cols = p.sum(1), p.sum(0)
    mi = sum(p[i, j] * math.log(p[i, j] / (rows[i] * cols[j])) for i in range(2) for j in range(2)
             if p[i, j] > 0)
    h = lambda q: -sum(x * math.log(x) for x in q if x > 0)  # noqa: E731
    assert out['nmi'] == pytest.approx(mi / ((h(rows) + h(cols)) / 2))


def test_overclustering_counts_unmatched_clusters_as_errors():
    target = np.array([0, 0, 1, 1, 1, 1])
    pred = np.array([0, 0, 1, 1, 2, 2])
    out = cluster_metrics(pred, target, num_clusters=3, num_classes=2)
    assert out['acc'] == pytest.approx(4 / 6)
    assert sorted(out['mapping'].tolist()) == [-1, 0, 1]
    confusion = confusion_matrix(pred, target, 3, 2)
    assert mapped_accuracy(confusion, majority_mapping(confusion)) == 1.0


def test_many_to_one_fit_on_one_split_applied_to_another():
    fit = confusion_matrix([0, 1, 2, 2], [0, 0, 1, 1], 3, 2)
    mapping = majority_mapping(fit)
    assert mapping.tolist() == [0, 0, 1]
    held_out = confusion_matrix([0, 1, 2, 1], [0, 0, 1, 1], 3, 2)
    assert mapped_accuracy(held_out, mapping) == pytest.approx(3 / 4)


def test_ignore_index_and_tensor_input():
    target = torch.tensor([0, 1, 255, 1])
    pred = torch.tensor([1, 0, 0, 0])
    out = cluster_metrics(pred, target, ignore_index=255)
    assert out['acc'] == 1.0
    assert confusion_matrix(pred, target, 2, 2, 255).sum() == 3


def test_accumulated_confusion_equals_one_shot():
    rng = np.random.default_rng(0)
    pred, target = rng.integers(0, 4, 500), rng.integers(0, 3, 500)
    total = sum(confusion_matrix(pred[i:i + 100], target[i:i + 100], 4, 3) for i in range(0, 500, 100))
    a, b = metrics_from_confusion(total), cluster_metrics(pred, target, 4, 3)
    assert a['acc'] == b['acc'] and a['nmi'] == b['nmi'] and a['ari'] == b['ari']


def test_agrees_with_sklearn():
    sklearn_metrics = pytest.importorskip('sklearn.metrics')
    rng = np.random.default_rng(1)
    target = rng.integers(0, 5, 400)
    pred = np.where(rng.random(400) < 0.6, (target + 2) % 5, rng.integers(0, 7, 400))
    out = cluster_metrics(pred, target)
    assert out['nmi'] == pytest.approx(sklearn_metrics.normalized_mutual_info_score(target, pred))
    assert out['ari'] == pytest.approx(sklearn_metrics.adjusted_rand_score(target, pred))
    for values in (out['acc'], out['nmi']):
        assert 0 <= values <= 1


def test_bad_ids_name_the_array():
    with pytest.raises(ValueError, match=r'target ids must lie in \[0, 2\)'):
        confusion_matrix([0, 1], [0, 2], 2, 2)
    with pytest.raises(ValueError, match='same number of elements'):
        confusion_matrix([0, 1, 1], [0, 1], 2, 2)
    with pytest.raises(ValueError, match='integer'):
        confusion_matrix(np.array([0.5]), np.array([0]))


def test_empty_confusion_is_zero_not_nan():
    out = metrics_from_confusion(np.zeros((3, 3), dtype=np.int64))
    assert out['acc'] == 0.0 and out['nmi'] == 0.0 and out['ari'] == 0.0


def test_many_to_one_map_leaves_clusters_unseen_in_the_fit_split_unmapped():
    fit = confusion_matrix([0, 0, 2], [1, 1, 0], 4, 2)  # clusters 1 and 3 never seen
    mapping = majority_mapping(fit)
    assert mapping.tolist() == [1, -1, 0, -1]
    held_out = confusion_matrix([0, 1, 3, 2], [1, 0, 0, 0], 4, 2)
    assert mapped_accuracy(held_out, mapping) == pytest.approx(2 / 4)
