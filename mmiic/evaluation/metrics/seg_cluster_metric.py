"""Hungarian-matched pixel metrics of unsupervised segmentation."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log

from mmiic.evaluation.functional import (confusion_matrix, majority_mapping, mapped_accuracy,
                                         metrics_from_confusion)
from mmiic.evaluation.metrics.cluster_metric import resolve_num_classes
from mmiic.registry import METRICS


def matched_iou(confusion: np.ndarray, mapping: np.ndarray) -> np.ndarray:
    """Per-class IoU once clusters are mapped to classes.

    Args:
        confusion (np.ndarray): [num_clusters, num_classes] counts.
        mapping (np.ndarray): [num_clusters] class per cluster (-1: none).

    Returns:
        np.ndarray: [num_classes] IoU (nan for a class absent from both).
    """
    num_classes = confusion.shape[1]
    merged = np.zeros((num_classes, num_classes), dtype=np.float64)  # predicted class x true
    for cluster, cls in enumerate(mapping):
        if cls >= 0:
            merged[cls] += confusion[cluster]
    tp = np.diag(merged)
    # Pixels of unmatched clusters count as misses of their true class.
    true_total = confusion.sum(axis=0)
    union = true_total + merged.sum(axis=1) - tp
    with np.errstate(invalid='ignore', divide='ignore'):
        return tp / union


@METRICS.register_module()
class SegClusterMetric(BaseMetric):
    """Pixel ACC, mIoU, NMI and ARI of clusters matched to classes.

    Each image adds its clusters x classes confusion matrix (pixels with
    ``ignore_index`` in the label excluded; num_clusters x num_classes int64
    per image, e.g. 5.8 kB for 27 x 27); ``compute_metrics`` sums them and
    runs the Hungarian matching once, on rank 0. Keeping one matrix per image
    (not one running sum per rank) lets mmengine's result collection drop the
    samples that the distributed sampler pads each rank's share with, so
    ``dist_test.sh`` on any number of ranks gives exactly the metrics of one
    process.

    With more clusters than classes (an overclustering head) the
    many-to-one accuracy (each cluster mapped to its majority class) is
    reported too:

    * ``acc_many_to_one_train_fit``: the paper's semi-supervised
      overclustering protocol (§4.1): the map is fit on the images marked
      ``mapping_fit=True`` (a labelled train split, see
      :class:`ManyToOneEvalDataset`) and scored on the other (test) images.
      Reported only when the evaluation set has such images.
    * ``acc_many_to_one_transductive``: the map fit on the scored images
      themselves; optimistic, not the paper's protocol.

    Every other metric uses the scored (non-fit) images only.

    Args:
        num_classes (int, optional): classes of the labels; defaults to the
            number of the evaluated data set's ``classes``.
        num_clusters (int, optional): clusters of the predictions; defaults
            to those of the tested head (the channels of the predictions'
            ``seg_logits``), else ``num_classes``.
        ignore_index (int): label to skip. Defaults to 255.
        class_names (Sequence[str], optional): for the per-class table and
            ``cluster_mapping.json``; defaults to the test data set's
            ``classes`` (when there are ``num_classes`` of them), else '0', '1', ...
        collect_device (str): 'cpu' or 'gpu'.
        prefix (str, optional): defaults to 'seg'.
    """

    default_prefix = 'seg'

    def __init__(self,
                 num_classes: Optional[int] = None,
                 num_clusters: Optional[int] = None,
                 ignore_index: int = 255,
                 class_names: Optional[Sequence[str]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if num_classes is not None:
            self._check_sizes(num_clusters, num_classes)
        self._num_classes = num_classes
        self.num_clusters = num_clusters
        self.ignore_index = ignore_index
        self.class_names = list(class_names) if class_names else None

    @property
    def num_classes(self) -> int:
        """``num_classes`` as given, else the number of the data set's classes."""
        return resolve_num_classes(self._num_classes, self.dataset_meta, type(self).__name__)

    @staticmethod
    def _check_sizes(num_clusters: Optional[int], num_classes: int) -> None:
        if num_clusters is not None and num_clusters < num_classes:
            raise ValueError(f'num_clusters ({num_clusters}) must be >= num_classes '
                             f'({num_classes}); match it to the evaluated head')

    def _clusters_of(self, sample: dict) -> int:
        """``num_clusters``, fixed by the first sample when not given."""
        if self.num_clusters is None:
            logits = sample.get('seg_logits')
            self.num_clusters = (int(logits['data'].shape[0]) if logits is not None else
                                 self.num_classes)
            self._check_sizes(self.num_clusters, self.num_classes)
        return self.num_clusters

    def _names(self) -> List[str]:
        """``class_names``, else the data set's ``classes``, else '0', '1', ..."""
        if self.class_names is not None:
            return self.class_names
        classes = (self.dataset_meta or {}).get('classes')
        if classes and len(classes) == self.num_classes:
            return [str(c) for c in classes]
        return [str(i) for i in range(self.num_classes)]

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data'].squeeze()
            label = sample['gt_sem_seg']['data'].squeeze().to(pred.device)
            if pred.shape != label.shape:
                raise ValueError(f'prediction {tuple(pred.shape)} and label {tuple(label.shape)} '
                                 f'differ in size ({sample.get("img_path")})')
            self.results.append(dict(
                fit=bool(sample.get('mapping_fit', False)),
                confusion=confusion_matrix(pred, label, self._clusters_of(sample),
                                           self.num_classes, self.ignore_index)))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        # Rank 0 may not have set num_clusters (its own share empty): the gathered results know.
        shape = (results[0]['confusion'].shape if results else
                 (self.num_clusters or self.num_classes, self.num_classes))
        zero = np.zeros(shape, np.int64)
        self.num_clusters = shape[0]
        confusion = sum((r['confusion'] for r in results if not r['fit']), zero)
        fit = sum((r['confusion'] for r in results if r['fit']), zero)
        out = metrics_from_confusion(confusion)
        iou = matched_iou(confusion, out['mapping'])
        metrics = OrderedDict(
            acc=out['acc'] * 100, miou=float(np.nanmean(iou)) * 100, nmi=out['nmi'] * 100,
            ari=out['ari'] * 100)
        if self.num_clusters > self.num_classes:
            metrics['acc_many_to_one_transductive'] = mapped_accuracy(
                confusion, majority_mapping(confusion)) * 100
            if fit.sum():
                metrics['acc_many_to_one_train_fit'] = mapped_accuracy(
                    confusion, majority_mapping(fit)) * 100
        names = self._names()
        # Read by tools/test.py (mmiic.apis.write_cluster_mapping) to name the clusters;
        # it records the head the model really tested with (head here is a guess).
        # More clusters than classes (the overclustering head): every cluster gets its
        # majority class (fit on the train-fit images when there are some), as in the
        # many-to-one metric; the Hungarian matching would leave most clusters unnamed.
        if self.num_clusters > self.num_classes:
            mapping = majority_mapping(fit if fit.sum() else confusion)
            head = 'overcluster'
        else:
            mapping, head = out['mapping'], 'main'
        self.cluster_mapping = dict(head=head, mapping=mapping.tolist(), classes=names)
        rows = [f'{name:>16s} | IoU {v * 100:6.2f} | pixels {int(n):>12d}'
                for name, v, n in zip(names, iou, confusion.sum(axis=0))]
        print_log(f'per-class IoU after Hungarian matching ({int(confusion.sum())} test pixels; '
                  f'{int(fit.sum())} labelled pixels fit the many-to-one map):\n' + '\n'.join(rows),
                  logger=MMLogger.get_current_instance())
        return metrics
