"""Clustering metrics computed from a clusters x classes confusion matrix.

Everything here reduces to :func:`metrics_from_confusion`, so the same code
scores 10k images or billions of pixels: segmentation accumulates the
(small) confusion matrix per sample and never keeps per-pixel arrays.
"""
from typing import Dict, Optional, Union

import numpy as np
from scipy.optimize import linear_sum_assignment

ArrayLike = Union[np.ndarray, 'torch.Tensor', list]  # noqa: F821


def _to_numpy(x: ArrayLike, name: str) -> np.ndarray:
    if hasattr(x, 'detach'):
        x = x.detach().cpu().numpy()
    x = np.asarray(x)
    if x.dtype.kind not in 'iub':
        raise ValueError(f'{name} must hold integer ids, got dtype {x.dtype}')
    return x.reshape(-1).astype(np.int64)


def confusion_matrix(pred: ArrayLike,
                     target: ArrayLike,
                     num_clusters: Optional[int] = None,
                     num_classes: Optional[int] = None,
                     ignore_index: Optional[int] = None) -> np.ndarray:
    """Count how often each cluster meets each class.

    Args:
        pred (array): [...] predicted cluster ids in ``[0, num_clusters)``.
        target (array): [...] class ids in ``[0, num_classes)`` (same number
            of elements as ``pred``); ``ignore_index`` entries are skipped.
        num_clusters (int, optional): defaults to ``max(pred) + 1``.
        num_classes (int, optional): defaults to ``max(target) + 1``.
        ignore_index (int, optional): target value to leave out.

    Returns:
        np.ndarray: [num_clusters, num_classes] int64 counts.
    """
    pred, target = _to_numpy(pred, 'pred'), _to_numpy(target, 'target')
    if pred.shape != target.shape:
        raise ValueError(f'pred and target must have the same number of elements, got '
                         f'{pred.size} and {target.size}')
    if ignore_index is not None:
        keep = target != ignore_index
        pred, target = pred[keep], target[keep]
    num_clusters = int(pred.max()) + 1 if num_clusters is None and pred.size else (num_clusters or 1)
    num_classes = int(target.max()) + 1 if num_classes is None and target.size else (num_classes or 1)
    for name, ids, bound in (('pred', pred, num_clusters), ('target', target, num_classes)):
        if ids.size and (ids.min() < 0 or ids.max() >= bound):
            raise ValueError(f'{name} ids must lie in [0, {bound}), got range '
                             f'[{ids.min()}, {ids.max()}]')
    flat = pred * num_classes + target
    return np.bincount(flat, minlength=num_clusters * num_classes).reshape(num_clusters, num_classes)


def hungarian_mapping(confusion: np.ndarray) -> np.ndarray:
    """One-to-one cluster -> class map maximising matched counts.

    Args:
        confusion (np.ndarray): [num_clusters, num_classes] counts.

    Returns:
        np.ndarray: [num_clusters] int64 class of each cluster; -1 for
        clusters left unmatched (when there are more clusters than classes).
    """
    rows, cols = linear_sum_assignment(confusion, maximize=True)
    mapping = np.full(confusion.shape[0], -1, dtype=np.int64)
    mapping[rows] = cols
    return mapping


def majority_mapping(confusion: np.ndarray) -> np.ndarray:
    """Many-to-one cluster -> class map: each cluster to its majority class.

    Fit on one split's confusion matrix, then apply to another with
    :func:`mapped_accuracy` (the semi-supervised overclustering protocol).

    Args:
        confusion (np.ndarray): [num_clusters, num_classes] counts.

    Returns:
        np.ndarray: [num_clusters] int64 class of each cluster; -1 for a
        cluster with no sample in ``confusion`` (it has no majority; its
        samples elsewhere count as errors rather than as a guessed class 0).
    """
    confusion = np.asarray(confusion)
    mapping = confusion.argmax(axis=1).astype(np.int64)
    mapping[confusion.sum(axis=1) == 0] = -1
    return mapping


def mapped_accuracy(confusion: np.ndarray, mapping: np.ndarray) -> float:
    """Fraction of samples whose cluster maps to their class.

    Args:
        confusion (np.ndarray): [num_clusters, num_classes] counts.
        mapping (np.ndarray): [num_clusters] class per cluster (-1: none).

    Returns:
        float: accuracy in [0, 1]; 0 for an empty matrix.
    """
    confusion = np.asarray(confusion)
    mapping = np.asarray(mapping)
    if mapping.shape != (confusion.shape[0], ):
        raise ValueError(f'mapping must have one entry per cluster ({confusion.shape[0]}), '
                         f'got shape {mapping.shape}')
    total = confusion.sum()
    matched = mapping >= 0
    correct = confusion[np.nonzero(matched)[0], mapping[matched]].sum()
    return float(correct / total) if total else 0.0


def entropy_of_counts(counts: np.ndarray) -> float:
    """Shannon entropy (nats) of the distribution proportional to ``counts``.

    Args:
        counts (np.ndarray): [m] non-negative counts or masses, not all 0.
    """
    counts = np.asarray(counts, dtype=np.float64)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def nmi_from_confusion(confusion: np.ndarray) -> float:
    """Normalised mutual information, arithmetic mean normalisation.

    Args:
        confusion (np.ndarray): [m, n] contingency counts of two partitions.

    Returns:
        float: in [0, 1]; 1 when both partitions are constant.
    """
    total = confusion.sum()
    rows, cols = confusion.sum(axis=1), confusion.sum(axis=0)
    h_rows, h_cols = entropy_of_counts(rows), entropy_of_counts(cols)
    if h_rows == 0 and h_cols == 0:
        return 1.0
    nz = np.nonzero(confusion)
    joint = confusion[nz] / total
    mi = float((joint * np.log(joint * total * total / (rows[nz[0]] * cols[nz[1]]))).sum())
    return float(np.clip(mi / ((h_rows + h_cols) / 2), 0.0, 1.0))


def ari_from_confusion(confusion: np.ndarray) -> float:
    """Adjusted Rand index (Hubert & Arabie) from the contingency table.

    Args:
        confusion (np.ndarray): [m, n] contingency counts of two partitions.
    """
    c = confusion.astype(np.float64)
    n = c.sum()

    def pairs(x: np.ndarray) -> float:
        return float((x * (x - 1) / 2).sum())

    index = pairs(c)
    rows, cols = pairs(c.sum(axis=1)), pairs(c.sum(axis=0))
    total = n * (n - 1) / 2
    expected = rows * cols / total if total else 0.0
    maximum = (rows + cols) / 2
    if maximum == expected:
        return 1.0
    return float((index - expected) / (maximum - expected))


def metrics_from_confusion(confusion: np.ndarray) -> Dict[str, Union[float, np.ndarray]]:
    """ACC (Hungarian), NMI and ARI of a clustering from its confusion matrix.

    Args:
        confusion (np.ndarray): [num_clusters, num_classes] counts.

    Returns:
        dict: ``acc`` (one-to-one Hungarian accuracy; samples of unmatched
        clusters count as errors), ``nmi`` (arithmetic normalisation) and
        ``ari``, as floats, plus ``mapping`` ([num_clusters] class per
        cluster, -1 unmatched). ``acc`` and ``nmi`` lie in [0, 1]; ``ari`` is
        1 for a perfect clustering, about 0 for chance, and can dip slightly
        below 0 for worse-than-chance clusterings.
    """
    confusion = np.asarray(confusion)
    if confusion.ndim != 2:
        raise ValueError(f'confusion must be [num_clusters, num_classes], got shape '
                         f'{confusion.shape}')
    if confusion.sum() == 0:
        return dict(acc=0.0, nmi=0.0, ari=0.0,
                    mapping=np.full(confusion.shape[0], -1, dtype=np.int64))
    mapping = hungarian_mapping(confusion)
    return dict(
        acc=mapped_accuracy(confusion, mapping),
        nmi=nmi_from_confusion(confusion),
        ari=ari_from_confusion(confusion),
        mapping=mapping)


def cluster_metrics(pred: ArrayLike,
                    target: ArrayLike,
                    num_clusters: Optional[int] = None,
                    num_classes: Optional[int] = None,
                    ignore_index: Optional[int] = None) -> Dict[str, Union[float, np.ndarray]]:
    """ACC/NMI/ARI and the Hungarian mapping of cluster ids against labels.

    Args:
        pred (array): [...] cluster ids.
        target (array): [...] class ids, same number of elements.
        num_clusters (int, optional): defaults to ``max(pred) + 1``.
        num_classes (int, optional): defaults to ``max(target) + 1``.
        ignore_index (int, optional): target value to leave out.

    Returns:
        dict: see :func:`metrics_from_confusion`.
    """
    return metrics_from_confusion(
        confusion_matrix(pred, target, num_clusters, num_classes, ignore_index))
