"""A train sampler that gives each cluster head its own samples."""
import math
from typing import Dict, Iterator, Optional, Sized

import numpy as np
import torch
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mmiic.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class HeadSubsetSampler(Sampler):
    """mmengine's ``DefaultSampler`` restricted, each epoch, to the samples the
    active head trains on.

    The paper trains STL-10's main head on the 13k labelled-split images and
    the overclustering head on all 113k (with the 100k unlabelled ones). One
    data set holds them all; the data set says which samples each head uses
    (``dataset.head_indices(head)``, see :class:`ClusterDataset`'s
    ``overcluster_only_splits``) and :class:`HeadAlternatingEpochBasedTrainLoop`
    tells this sampler which head trains before each epoch (and counts the
    iterations of each head's epochs with it). A main-head epoch therefore
    iterates the labelled images only, in full batches, and an
    overclustering epoch iterates everything: no sample is loaded or
    forwarded for a head that does not train on it. Epochs of the two heads
    differ in length.

    Shuffling (seeded by ``seed + epoch``), rank splitting and ``round_up``
    follow ``DefaultSampler``; the sampler lives in the main process, so the
    switch works with persistent workers.

    Args:
        dataset (Sized): a data set with ``head_indices(head) -> [M] indices``.
        shuffle (bool): shuffle each epoch. Defaults to True.
        seed (int, optional): shuffling seed, identical on all ranks;
            defaults to a synchronised random seed.
        round_up (bool): pad each epoch to a multiple of the world size.
        active_head (str): head of the first epoch until the loop says
            otherwise. Defaults to 'main'.
    """

    def __init__(self,
                 dataset: Sized,
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 round_up: bool = True,
                 active_head: str = 'main') -> None:
        if not hasattr(dataset, 'head_indices'):
            raise TypeError(f'HeadSubsetSampler needs a data set with head_indices(head) (e.g. an '
                            f'mmiic ClusterDataset), got {type(dataset).__name__}')
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.round_up = round_up
        self.epoch = 0
        self._indices: Dict[str, np.ndarray] = {}
        self.set_active_head(active_head)

    def indices_of(self, head: str) -> np.ndarray:
        """[M] data set indices the head trains on."""
        if head not in self._indices:
            indices = np.asarray(self.dataset.head_indices(head), dtype=np.int64)
            if indices.size == 0:
                raise ValueError(f'the data set has no samples for head {head!r}')
            self._indices[head] = indices
        return self._indices[head]

    def set_active_head(self, head: str) -> None:
        """Iterate ``head``'s samples from the next epoch on."""
        self.indices_of(head)
        self.active_head = head

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def num_samples_of(self, head: str) -> int:
        """Samples this rank yields in an epoch of ``head``."""
        total = len(self.indices_of(head))
        if self.round_up:
            return math.ceil(total / self.world_size)
        return math.ceil((total - self.rank) / self.world_size)

    def __iter__(self) -> Iterator[int]:
        pool = self.indices_of(self.active_head)
        if self.shuffle:
            g = torch.Generator()
            g.manual_seed(self.seed + self.epoch)
            order = torch.randperm(len(pool), generator=g).numpy()
            pool = pool[order]
        indices = pool.tolist()
        if self.round_up:
            total = self.num_samples_of(self.active_head) * self.world_size
            indices = (indices * (total // len(indices) + 1))[:total]
        return iter(indices[self.rank::self.world_size])

    def __len__(self) -> int:
        return self.num_samples_of(self.active_head)
