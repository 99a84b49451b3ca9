"""Hungarian-matched clustering metrics of every sub-head (image clustering)."""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmiic.evaluation.functional import (confusion_matrix, majority_mapping, mapped_accuracy,
                                         metrics_from_confusion)
from mmiic.models.losses import mutual_information_loss
from mmiic.registry import METRICS


@METRICS.register_module()
class ClusterMetric(BaseMetric):
    """ACC / NMI / ARI of the main head's sub-heads (the paper's protocol).

    The reported ``acc``, ``nmi`` and ``ari`` are those of the sub-head with
    the lowest IIC loss, computed from the joints of the paired evaluation
    views summed over the whole set (no labels involved in the choice). When
    the evaluation pipeline has no paired views, the sub-head choice falls
    back to sub-head 0 (the log line says which). Also reported: mean
    and std of ACC over sub-heads, the best sub-head's ACC, and the
    overclustering head's many-to-one ACC (mapping fit on this same set, so
    optimistic: use a separate split for the semi-supervised protocol).
    ``chosen_subhead`` names the sub-head the numbers come from;
    :class:`ChosenSubheadHook` makes the model predict with it.

    Without any label in the evaluation set (your own unlabelled images) only
    ``chosen_subhead`` and the sub-head losses are reported.

    Per sample only h cluster ids and an [h, k, k] joint are kept; the
    Hungarian matching runs once, on rank 0 (mmengine's BaseMetric gathers).

    Args:
        num_classes (int): classes of the labels.
        collect_device (str): 'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): metric name prefix. Defaults to 'cluster'.
    """

    default_prefix = 'cluster'

    def __init__(self, num_classes: int, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.num_classes = num_classes

    def process(self, data_batch, data_samples: Sequence) -> None:
        for sample in data_samples:
            get = sample.get
            label = get('gt_label')
            k = get('main_num_clusters')
            if k is not None and k < self.num_classes:
                raise ValueError(f'the main head predicts {k} clusters but the data has '
                                 f'{self.num_classes} classes: set model.head.num_classes to '
                                 f'{self.num_classes}')
            result = dict(
                label=None if label is None else int(torch.as_tensor(label).reshape(-1)[0]),
                sample_idx=get('sample_idx'),
                main=torch.as_tensor(get('main_clusters')).numpy())
            if get('overcluster_clusters') is not None:
                result['overcluster'] = torch.as_tensor(get('overcluster_clusters')).numpy()
            if get('main_joint') is not None:
                result['joint'] = torch.as_tensor(get('main_joint')).double().numpy()
            self.results.append(result)

    @staticmethod
    def _choose_subhead(results: List[dict]) -> tuple:
        """(lowest-loss sub-head, [h] losses) from the summed joints; (0, None)
        without paired evaluation views."""
        if not all('joint' in r for r in results):
            return 0, None
        joint = torch.from_numpy(sum(r['joint'] for r in results))  # [h, k, k]
        losses = mutual_information_loss(joint).numpy()
        return int(losses.argmin()), losses

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        missing = [r['sample_idx'] for r in results if r['label'] is None]
        if len(missing) == len(results):
            return self._unlabelled_metrics(results)
        if missing:
            raise ValueError(f'{len(missing)} of {len(results)} evaluation samples have no '
                             f'gt_label (e.g. sample {missing[0]}); label all of them, or none '
                             '(then only the sub-head choice is reported)')
        labels = np.array([r['label'] for r in results])
        if labels.min() < 0 or labels.max() >= self.num_classes:
            raise ValueError(f'labels must lie in [0, {self.num_classes}), got '
                             f'[{labels.min()}, {labels.max()}]')
        main = np.stack([r['main'] for r in results])  # [n, h]
        num_subheads = main.shape[1]
        per_head = [
            metrics_from_confusion(confusion_matrix(main[:, i], labels, self.num_classes,
                                                    self.num_classes))
            for i in range(num_subheads)
        ]
        accs = np.array([m['acc'] for m in per_head])
        chosen, losses = self._choose_subhead(results)
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
        if 'overcluster' in results[0]:
            over = np.stack([r['overcluster'] for r in results])
            k_over = int(over.max()) + 1
            conf = confusion_matrix(over[:, chosen], labels, k_over, self.num_classes)
            out['overcluster_acc_many_to_one'] = mapped_accuracy(conf, majority_mapping(conf)) * 100
        # Read by tools/test.py (mmiic.apis.write_cluster_mapping) to name the clusters.
        self.cluster_mapping = dict(head='main', subhead=chosen,
                                    mapping=per_head[chosen]['mapping'].tolist())
        MMLogger.get_current_instance().info(
            f'sub-head ACC: {np.round(accs * 100, 2).tolist()}; chosen sub-head {chosen} '
            f'({"lowest loss" if losses is not None else "no paired views: sub-head 0"})')
        return out

    def _unlabelled_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Without labels only the label-free part: the sub-head choice and losses."""
        chosen, losses = self._choose_subhead(results)
        self.cluster_mapping = None
        out = dict(chosen_subhead=chosen)
        if losses is not None:
            out.update({f'loss_subhead{i}': float(v) for i, v in enumerate(losses)})
        MMLogger.get_current_instance().info(
            f'no labels: chosen sub-head {chosen} '
            f'({"lowest loss" if losses is not None else "no paired views: sub-head 0"})')
        return out
