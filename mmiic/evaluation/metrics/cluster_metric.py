"""Hungarian-matched clustering metrics of every sub-head (image clustering)."""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmiic.evaluation.functional import (confusion_matrix, majority_mapping, mapped_accuracy,
                                         metrics_from_confusion, subhead_losses)
from mmiic.registry import METRICS


def resolve_num_classes(num_classes: Optional[int], dataset_meta: Optional[dict],
                        metric: str) -> int:
    """A metric's ``num_classes``: as given, else the evaluated data set's class count.

    Raises:
        ValueError: neither is known (naming what to set).
    """
    if num_classes is not None:
        return num_classes
    classes = (dataset_meta or {}).get('classes')
    if not classes:
        raise ValueError(f'{metric}: num_classes is not set and the evaluated data set names no '
                         'classes: give the data set its labels and classes (the folder '
                         "templates: labels='folders' for clustering, label_dir and classes for "
                         'segmentation) or set num_classes on the metric')
    return len(classes)


def many_to_one_accuracy(fit: np.ndarray, scored: np.ndarray) -> float:
    """Accuracy on ``scored`` of the majority cluster -> class map fit on ``fit``.

    Args:
        fit, scored (np.ndarray): [num_clusters, num_classes] counts.
    """
    return mapped_accuracy(scored, majority_mapping(fit))


@METRICS.register_module()
class ClusterMetric(BaseMetric):
    """ACC / NMI / ARI of the main head's sub-heads (the paper's protocols).

    **Unsupervised protocol** (every evaluated sample is scored). The
    reported ``acc``, ``nmi`` and ``ari`` are those of the main head's
    sub-head with the lowest IIC loss, computed from the paired evaluation
    views of the whole set (no labels involved in the choice); without
    paired views the choice falls back to sub-head 0 (the log line says
    which). ``acc`` is one-to-one Hungarian matching. Also reported: mean and
    std of ACC over sub-heads, the best sub-head's ACC, each sub-head's ACC
    and loss.

    **More clusters than classes** (semi-supervised overclustering, the main
    head alone with k > classes): ``acc`` is Hungarian matching on the
    rectangular k x classes matrix (each class gets one cluster, samples of
    the k - classes unmatched clusters count as errors: a lower bound), and
    the paper's number is the many-to-one accuracy (each cluster mapped to
    its majority class), see below.

    **Many-to-one accuracies** of the main head (k > classes) and of the
    overclustering head (its sub-head chosen by *its own* lowest IIC loss):

    * ``acc_many_to_one_train_fit`` / ``overcluster_acc_many_to_one_train_fit``:
      the paper's protocol (§4.1): the map is fit on the labelled samples
      marked ``mapping_fit=True`` (a train split, see
      :class:`ManyToOneEvalDataset`) and scored on the other (test) samples.
      Reported only when the evaluation set has fit samples.
    * ``acc_many_to_one_transductive`` / ``overcluster_acc_many_to_one_transductive``:
      the map fit on the scored samples themselves; optimistic, not the
      paper's protocol.

    All other metrics use the scored (non-fit) samples only.
    ``chosen_subhead`` names the main head's sub-head the numbers come from;
    :class:`ChosenSubheadHook` makes the model predict with it. Without any
    label in the evaluation set (your own unlabelled images) only
    ``chosen_subhead`` and the sub-head losses are reported.

    Per sample only h cluster ids and the [h, 1 + r, k] evaluation-view
    probabilities of each head are kept; the matching runs once, on rank 0
    (mmengine's BaseMetric gathers). Being per sample, the gathered results
    hold every image exactly once (mmengine drops the distributed sampler's
    padding), so the sub-head choice uses the views of all ranks; with seeded
    evaluation views (``IICPairedViews(seed=...)``) any number of processes
    gives the metrics of one.

    Args:
        num_classes (int, optional): classes of the labels; defaults to the
            number of the evaluated data set's ``classes`` (its metainfo).
        collect_device (str): 'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): metric name prefix. Defaults to 'cluster'.
    """

    default_prefix = 'cluster'

    def __init__(self, num_classes: Optional[int] = None, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self._num_classes = num_classes

    @property
    def num_classes(self) -> int:
        """``num_classes`` as given, else the number of the data set's classes."""
        return resolve_num_classes(self._num_classes, self.dataset_meta, type(self).__name__)

    def process(self, data_batch, data_samples: Sequence) -> None:
        for sample in data_samples:
            get = sample.get
            label = get('gt_label')
            k = get('main_num_clusters')
            if label is not None and k is not None and k < self.num_classes:
                raise ValueError(f'the main head predicts {k} clusters but the data has '
                                 f'{self.num_classes} classes: set model.head.num_classes to '
                                 f'{self.num_classes}')
            result = dict(
                label=None if label is None else int(torch.as_tensor(label).reshape(-1)[0]),
                sample_idx=get('sample_idx'),
                fit=bool(get('mapping_fit', False)),
                num_clusters=int(k) if k is not None else None)
            for head in ('main', 'overcluster'):
                if get(f'{head}_clusters') is not None:
                    result[head] = torch.as_tensor(get(f'{head}_clusters')).numpy()
                if get(f'{head}_view_probs') is not None:
                    result[f'{head}_view_probs'] = torch.as_tensor(
                        get(f'{head}_view_probs')).float().numpy()
            self.results.append(result)

    def _check_labels(self, labels: np.ndarray, which: str) -> None:
        if labels.size and (labels.min() < 0 or labels.max() >= self.num_classes):
            raise ValueError(f'{which} labels must lie in [0, {self.num_classes}), got '
                             f'[{labels.min()}, {labels.max()}]')

    def _choose(self, scored: List[dict], head: str) -> tuple:
        """(sub-head with the lowest IIC loss, [h] losses) or (0, None) without views."""
        key = f'{head}_view_probs'
        if not all(key in r for r in scored):
            return 0, None
        losses = subhead_losses(np.stack([r[key] for r in scored]))
        return int(losses.argmin()), losses

    def _many_to_one(self, out: dict, name: str, ids: np.ndarray, labels: np.ndarray,
                     fit_ids: Optional[np.ndarray], fit_labels: np.ndarray) -> None:
        k = int(max(ids.max(), fit_ids.max() if fit_ids is not None else 0)) + 1
        scored = confusion_matrix(ids, labels, k, self.num_classes)
        out[f'{name}_transductive'] = many_to_one_accuracy(scored, scored) * 100
        if fit_ids is not None:
            fit = confusion_matrix(fit_ids, fit_labels, k, self.num_classes)
            out[f'{name}_train_fit'] = many_to_one_accuracy(fit, scored) * 100

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        scored = [r for r in results if not r['fit']]
        fit = [r for r in results if r['fit']]
        if not scored:
            raise ValueError('every evaluation sample is marked mapping_fit: no test samples '
                             'to score')
        missing = [r['sample_idx'] for r in results if r['label'] is None]
        if len(missing) == len(results):
            return self._unlabelled_metrics(scored)
        if missing:
            raise ValueError(f'{len(missing)} of {len(results)} evaluation samples have no '
                             f'gt_label (e.g. sample {missing[0]}); label all of them, or none '
                             '(then only the sub-head choice is reported)')
        labels = np.array([r['label'] for r in scored])
        fit_labels = np.array([r['label'] for r in fit], dtype=np.int64)
        self._check_labels(labels, 'test')
        self._check_labels(fit_labels, 'fit')
        main = np.stack([r['main'] for r in scored])  # [n, h]
        given = [r['num_clusters'] for r in results if r['num_clusters'] is not None]
        k = max([self.num_classes, int(main.max()) + 1] + given)
        num_subheads = main.shape[1]
        per_head = [
            metrics_from_confusion(confusion_matrix(main[:, i], labels, k, self.num_classes))
            for i in range(num_subheads)
        ]
        accs = np.array([m['acc'] for m in per_head])
        chosen, losses = self._choose(scored, 'main')
        out = dict(
            acc=per_head[chosen]['acc'] * 100,
            nmi=per_head[chosen]['nmi'] * 100,
            ari=per_head[chosen]['ari'] * 100,
            acc_mean=float(accs.mean()) * 100,
            acc_std=float(accs.std()) * 100,
            acc_best=float(accs.max()) * 100,
            chosen_subhead=chosen)
        for i, acc in enumerate(accs):
            out[f'acc_subhead{i}'] = float(acc) * 100
            if losses is not None:
                out[f'loss_subhead{i}'] = float(losses[i])
        fit_main = np.stack([r['main'] for r in fit])[:, chosen] if fit else None
        if k > self.num_classes:
            self._many_to_one(out, 'acc_many_to_one', main[:, chosen], labels, fit_main,
                              fit_labels)
        log = (f'sub-head ACC: {np.round(accs * 100, 2).tolist()}; chosen sub-head {chosen} '
               f'({"lowest loss" if losses is not None else "no paired views: sub-head 0"}); '
               f'{len(scored)} test samples scored')
        if fit:
            log += f', {len(fit)} labelled samples fit the many-to-one map'
        if 'overcluster' in scored[0]:
            over = np.stack([r['overcluster'] for r in scored])
            over_chosen, over_losses = self._choose(scored, 'overcluster')
            fit_over = np.stack([r['overcluster'] for r in fit])[:, over_chosen] if fit else None
            self._many_to_one(out, 'overcluster_acc_many_to_one', over[:, over_chosen], labels,
                              fit_over, fit_labels)
            log += (f'; overclustering sub-head {over_chosen} '
                    f'({"its lowest loss" if over_losses is not None else "sub-head 0"})')
        # Read by tools/test.py (mmiic.apis.write_cluster_mapping) to name the clusters.
        self.cluster_mapping = dict(head='main', subhead=chosen,
                                    mapping=per_head[chosen]['mapping'].tolist())
        MMLogger.get_current_instance().info(log)
        return out

    def _unlabelled_metrics(self, scored: List[dict]) -> Dict[str, float]:
        """Without labels only the label-free part: the sub-head choice and losses."""
        chosen, losses = self._choose(scored, 'main')
        self.cluster_mapping = None
        out = dict(chosen_subhead=chosen)
        if losses is not None:
            out.update({f'loss_subhead{i}': float(v) for i, v in enumerate(losses)})
        MMLogger.get_current_instance().info(
            f'no labels: chosen sub-head {chosen} '
            f'({"lowest loss" if losses is not None else "no paired views: sub-head 0"})')
        return out
