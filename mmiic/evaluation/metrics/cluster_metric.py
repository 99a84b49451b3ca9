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

    Per sample only h cluster ids and an [h, k, k] joint are kept; the
    Hungarian matching runs once, on rank 0 (mmengine's BaseMetric gathers).
    Being per sample, the results of all ranks are gathered without the
    distributed sampler's padding, so the sub-head choice uses the joints of
    every image exactly once; with seeded evaluation views
    (``IICPairedViews(seed=...)``) any number of processes gives the metrics
    of one.

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
            if label is None:
                raise ValueError('ClusterMetric needs gt_label in every evaluation sample; '
                                 f'sample {get("sample_idx")} has none')
            result = dict(
                label=int(torch.as_tensor(label).reshape(-1)[0]),
                main=torch.as_tensor(get('main_clusters')).numpy())
            if get('overcluster_clusters') is not None:
                result['overcluster'] = torch.as_tensor(get('overcluster_clusters')).numpy()
            if get('main_joint') is not None:
                result['joint'] = torch.as_tensor(get('main_joint')).double().numpy()
            self.results.append(result)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
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
        chosen, losses = 0, None
        if all('joint' in r for r in results):
            joint = torch.from_numpy(sum(r['joint'] for r in results))  # [h, k, k]
            losses = mutual_information_loss(joint).numpy()
            chosen = int(losses.argmin())
        out = dict(
            acc=per_head[chosen]['acc'] * 100,
            nmi=per_head[chosen]['nmi'] * 100,
            ari=per_head[chosen]['ari'] * 100,
            acc_mean=float(accs.mean()) * 100,
            acc_std=float(accs.std()) * 100,
            acc_best=float(accs.max()) * 100)
        for i, acc in enumerate(accs):
            out[f'acc_subhead{i}'] = float(acc) * 100
            if losses is not None:
                out[f'loss_subhead{i}'] = float(losses[i])
        if 'overcluster' in results[0]:
            over = np.stack([r['overcluster'] for r in results])
            k_over = int(over.max()) + 1
            conf = confusion_matrix(over[:, chosen], labels, k_over, self.num_classes)
            out['overcluster_acc_many_to_one'] = mapped_accuracy(conf, majority_mapping(conf)) * 100
        MMLogger.get_current_instance().info(
            f'sub-head ACC: {np.round(accs * 100, 2).tolist()}; chosen sub-head {chosen} '
            f'({"lowest loss" if losses is not None else "no paired views: sub-head 0"})')
        return out
