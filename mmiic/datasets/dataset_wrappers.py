"""Data set wrappers: the evaluation set of the semi-supervised overclustering
protocol, and a subset of any data set given by its indices."""
import math
import os.path as osp
from typing import Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset, ConcatDataset

from mmiic.registry import DATASETS


@DATASETS.register_module()
class ManyToOneEvalDataset(ConcatDataset):
    """A labelled *fit* split followed by a *test* split, for evaluating an
    overclustering head with a many-to-one cluster -> class map (paper §4.1,
    fig. 6: "this mapping is found using the training set (accuracy is
    computed on the test set)").

    One evaluation pass predicts both splits with the standard val/test loop;
    every sample of the fit split carries ``mapping_fit=True`` in its
    metainfo. :class:`ClusterMetric` and :class:`SegClusterMetric` fit the map
    on those samples only and score every metric on the others, reporting
    the map's accuracy as ``acc_many_to_one_train_fit``. Nothing is trained
    on the labels.

    ``label_fraction`` keeps that share of the fit split's samples (a random
    subset drawn with ``seed``, the same on every run and rank): the paper
    sweeps 100 % down to 10 % of the labels to show the map needs few of them.

    Args:
        fit_dataset (dict | BaseDataset): labelled train split (test-time
            pipeline).
        test_dataset (dict | BaseDataset): labelled test split.
        label_fraction (float): share of the fit split used, in (0, 1].
            Defaults to 1.0.
        seed (int): seed of the subset. Defaults to 0.
    """

    def __init__(self,
                 fit_dataset: Union[dict, BaseDataset],
                 test_dataset: Union[dict, BaseDataset],
                 label_fraction: float = 1.0,
                 seed: int = 0) -> None:
        if not 0 < label_fraction <= 1:
            raise ValueError(f'label_fraction must lie in (0, 1], got {label_fraction}')
        fit = DATASETS.build(fit_dataset) if isinstance(fit_dataset, dict) else fit_dataset
        total = len(fit)
        if total == 0:
            raise ValueError('the fit split of ManyToOneEvalDataset is empty')
        self.label_fraction = label_fraction
        if label_fraction < 1:
            keep = max(1, math.ceil(label_fraction * total))
            chosen = np.sort(np.random.default_rng(seed).permutation(total)[:keep])
            fit.get_subset_(chosen.tolist())
        super().__init__(datasets=[fit, test_dataset])
        self.num_fit = len(fit)

    def __getitem__(self, idx: int) -> dict:
        item = super().__getitem__(idx)
        dataset_idx, _ = self._get_ori_dataset_idx(idx)
        item['data_samples'].set_metainfo(dict(mapping_fit=dataset_idx == 0))
        return item


@DATASETS.register_module(name='SubsetDataset')
def subset_dataset(dataset: Union[dict, BaseDataset], indices: Union[Sequence[int], str]):
    """``dataset`` keeping only the samples ``indices``, in that order.

    Config: ``dict(type='mmiic.SubsetDataset', dataset=dict(...), indices=...)``.
    The data set is built and subset in place (its ``get_subset_``), so what
    comes back is the data set itself, exactly as if it had been given
    ``indices`` (mmengine's ``BaseDataset``): same class and attributes (hooks
    and samplers see no wrapper), ``sample_idx`` counts within the subset.
    Unlike that argument, ``indices`` may name a ``.npy`` file, so that a
    long list (tens of thousands of images) is neither logged nor dumped
    with the config, and it works for data set wrappers too.

    Args:
        dataset (dict | BaseDataset): the data set (config).
        indices (Sequence[int] | str): indices into ``dataset``, or the path
            of a ``.npy`` file holding them.

    Returns:
        BaseDataset: the data set, subset.
    """
    source = indices if isinstance(indices, str) else 'indices'
    if isinstance(indices, str):
        if not osp.isfile(indices):
            raise FileNotFoundError(f'SubsetDataset indices file {indices} not found')
        indices = np.load(indices)
    indices = np.asarray(indices)
    if indices.ndim != 1 or (indices.size and indices.dtype.kind not in 'iu'):
        raise ValueError(f'SubsetDataset {source} must be a 1-D array of integer indices, got '
                         f'shape {indices.shape} and dtype {indices.dtype}')
    dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
    if not hasattr(dataset, 'get_subset_'):
        raise TypeError(f'SubsetDataset needs a data set with get_subset_ (mmengine BaseDataset '
                        f'or its wrappers), got {type(dataset).__name__}')
    size = len(dataset)
    if indices.size and (indices.min() < 0 or indices.max() >= size):
        raise IndexError(f'SubsetDataset {source}: indices must lie in [0, {size}) for '
                         f'{type(dataset).__name__}, got [{indices.min()}, {indices.max()}]')
    dataset.get_subset_(indices.tolist())
    return dataset
