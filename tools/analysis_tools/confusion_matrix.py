"""Cluster x class confusion matrix of a trained IIC model, Hungarian matching marked.

Runs the config's test set through the checkpoint (as tools/test.py) and
writes to ``--out DIR``:

- ``confusion_matrix.csv``: one row per cluster, one column per class (counts
  of images or pixels), then ``matched_class`` (Hungarian, one-to-one; empty
  for clusters left unmatched when there are more clusters than classes);
- ``confusion_matrix.png``: the same as a heat map (each row normalised to
  the cluster's size), matched cells framed.

Image clustering uses the main head's sub-head with the lowest IIC loss on
the test set (as ``ClusterMetric`` reports); segmentation the model's test
head. Usage::

    python tools/analysis_tools/confusion_matrix.py CONFIG CHECKPOINT --out DIR
"""
import argparse
import csv
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.evaluator import BaseMetric
from mmengine.runner import Runner

import mmiic  # noqa: F401
from mmiic.evaluation.functional import (confusion_matrix, hungarian_mapping, mapped_accuracy,
                                         subhead_losses)
from mmiic.evaluation.metrics.cluster_metric import resolve_num_classes
from mmiic.utils import register_checkpoint_loader
from mmiic.utils.config_loading import load_test_config


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Cluster x class confusion matrix')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='directory for the .png and .csv')
    parser.add_argument('--work-dir', help='work dir of the test run (logs)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file.')
    return parser.parse_args(argv)


class ConfusionCollector(BaseMetric):
    """Accumulates clusters x classes counts while the test loop runs.

    Segmentation samples add their pixel confusion (``ignore_index`` skipped);
    clustering samples keep their sub-heads' cluster ids, label and evaluation
    view probabilities, reduced in :meth:`compute_metrics` for the lowest-loss
    sub-head. Samples that only fit a many-to-one map (``mapping_fit``, see
    ``ManyToOneEvalDataset``) are left out: the matrix is the test split's.
    """

    def __init__(self, num_classes: Optional[int], ignore_index: int = 255) -> None:
        super().__init__(prefix='confusion')
        self._num_classes = num_classes
        self.ignore_index = ignore_index
        self.confusion: Optional[np.ndarray] = None

    @property
    def num_classes(self) -> int:
        """The evaluator's ``num_classes``, else the number of the test set's classes."""
        return resolve_num_classes(self._num_classes, self.dataset_meta, 'confusion_matrix.py')

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'gt_sem_seg' not in sample and 'gt_label' not in sample:
                raise ValueError(
                    'the confusion matrix needs labels: test sample '
                    f'{sample.get("img_path", sample.get("sample_idx"))} has none (the folder '
                    "templates: --cfg-options labels=folders, or labels=<file>.csv, for "
                    'clustering; label_dir and classes for segmentation)')
            if sample.get('mapping_fit', False):
                continue  # a labelled train sample that only fits a many-to-one map
            if 'pred_sem_seg' in sample:
                pred = sample['pred_sem_seg']['data'].squeeze()
                k = sample['seg_logits']['data'].shape[0]
                label = sample['gt_sem_seg']['data'].squeeze()
                self.results.append(dict(confusion=confusion_matrix(
                    pred, label, k, self.num_classes, self.ignore_index)))
            else:
                self.results.append(dict(
                    main=torch.as_tensor(sample['main_clusters']).numpy(),
                    k=int(sample['main_num_clusters']),
                    label=int(torch.as_tensor(sample['gt_label']).reshape(-1)[0]),
                    view_probs=(torch.as_tensor(sample['main_view_probs']).float().numpy()
                                if sample.get('main_view_probs') is not None else None)))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        if 'confusion' in results[0]:
            self.confusion = np.sum([r['confusion'] for r in results], axis=0)
            return {}
        subhead = 0
        if all(r['view_probs'] is not None for r in results):
            subhead = int(subhead_losses(np.stack([r['view_probs'] for r in results])).argmin())
        self.confusion = confusion_matrix([r['main'][subhead] for r in results],
                                          [r['label'] for r in results], results[0]['k'],
                                          self.num_classes)
        return {}


def class_names(cfg: Config, num_classes: int, dataset_meta: Optional[dict] = None) -> List[str]:
    """The evaluator's ``class_names``, else the test set's classes, else '0', '1', ..."""
    names = cfg.test_evaluator.get('class_names') or (dataset_meta or {}).get('classes')
    return [str(n) for n in names] if names and len(names) == num_classes else [
        str(i) for i in range(num_classes)]


def write_csv(path: str, confusion: np.ndarray, names: Sequence[str], mapping: np.ndarray) -> None:
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['cluster'] + list(names) + ['matched_class'])
        for cluster, row in enumerate(confusion):
            matched = names[mapping[cluster]] if mapping[cluster] >= 0 else ''
            writer.writerow([cluster] + [int(v) for v in row] + [matched])


def plot_heatmap(path: str, confusion: np.ndarray, names: Sequence[str], mapping: np.ndarray,
                 title: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    k, c = confusion.shape
    sizes = confusion.sum(axis=1, keepdims=True)
    share = np.divide(confusion, sizes, out=np.zeros(confusion.shape), where=sizes > 0)
    fig, ax = plt.subplots(figsize=(max(4.0, 0.5 * c + 2.5), max(3.0, 0.35 * k + 1.8)))
    image = ax.imshow(share, cmap='Blues', vmin=0, vmax=1, aspect='auto')
    fig.colorbar(image, ax=ax, label='share of the cluster')
    for cluster, cls in enumerate(mapping):
        if cls >= 0:
            ax.add_patch(Rectangle((cls - 0.5, cluster - 0.5), 1, 1, fill=False, edgecolor='red',
                                   linewidth=2))
    if k * c <= 400:
        for i in range(k):
            for j in range(c):
                ax.text(j, i, int(confusion[i, j]), ha='center', va='center', fontsize=7,
                        color='white' if share[i, j] > 0.6 else 'black')
    ax.set_xticks(range(c), names, rotation=45, ha='right')
    ax.set_yticks(range(k), [str(i) for i in range(k)])
    ax.set_xlabel('class')
    ax.set_ylabel('cluster')
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: Optional[List[str]] = None) -> np.ndarray:
    args = parse_args(argv)
    cfg = load_test_config(args.config, args.checkpoint, args.cfg_options, 'confusion_matrix.py',
                           args.work_dir)
    register_checkpoint_loader()  # the checkpoint is a Runner checkpoint
    runner = Runner.from_cfg(cfg)
    collector = ConfusionCollector(cfg.test_evaluator.get('num_classes'),
                                   cfg.test_evaluator.get('ignore_index', 255))
    runner.test_evaluator.metrics.append(collector)
    collector.dataset_meta = runner.test_evaluator.dataset_meta  # set before it was added
    runner.test()
    confusion = collector.confusion
    mapping = hungarian_mapping(confusion)
    num_classes = confusion.shape[1]
    names = class_names(cfg, num_classes, collector.dataset_meta)
    acc = mapped_accuracy(confusion, mapping) * 100
    os.makedirs(args.out, exist_ok=True)
    write_csv(osp.join(args.out, 'confusion_matrix.csv'), confusion, names, mapping)
    plot_heatmap(osp.join(args.out, 'confusion_matrix.png'), confusion, names, mapping,
                 f'{osp.basename(args.config)}\nHungarian ACC {acc:.2f} % (matched cells framed)')
    print(f'confusion matrix ({confusion.shape[0]} clusters x {confusion.shape[1]} classes, '
          f'Hungarian ACC {acc:.2f} %) written to {args.out}')
    return confusion


if __name__ == '__main__':
    main()
