"""Seed the random views per sample so that a resumed run repeats them exactly."""
import random
from typing import Iterator, List, Optional, Tuple

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.runner import IterBasedTrainLoop
from torch.utils.data import get_worker_info

from mmiic.registry import HOOKS

# The "epoch" of evaluation views: one fixed draw per sample, whatever the
# epoch, the world size or how often the set was evaluated before.
EVAL_STREAM = 2**31 - 1


def sample_seed(seed: int, epoch: int, index: int, rank: int, part: int = 0) -> int:
    """The uint32 seed of one sample's random views.

    A pure function of (seed, epoch, sample index, rank, part), so the same
    sample draws the same views in the same epoch wherever and whenever it
    is loaded: in any worker, persistent or not, in an uninterrupted or a
    resumed run (or, for views made on the device, from the same tuple).
    ``part`` numbers the data sets of a ``ConcatDataset`` and ``index`` is
    the index within that part, so a part's views do not depend on the
    length of the parts before it (e.g. a subsampled fit split before the
    test split in :class:`ManyToOneEvalDataset`).
    """
    entropy = [int(seed) % 2**32, int(epoch), int(index), int(rank), int(part)]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def _seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _seed_cpu(seed: int) -> None:
    """``random``, numpy and torch's CPU generator (all a data pipeline can
    use; cheaper than :func:`torch.manual_seed`, which also seeds devices)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.default_generator.manual_seed(seed)


class SeededPipeline:
    """Run a data pipeline with ``random``, numpy and torch (CPU) seeded by
    :func:`sample_seed` of the sample. In the main process (``num_workers=0``)
    the caller's RNG states are restored afterwards, so data loading leaves
    the main process's random streams alone.

    The epoch is read from a shared-memory tensor that :class:`EpochSeedHook`
    sets before each epoch: data workers (persistent ones included, which are
    created once) see the new value when they load the next epoch's samples.

    Args:
        pipeline (callable): the data set's pipeline.
        seed (int): base seed.
        rank (int): process rank.
        epoch (Tensor): [] shared int64 epoch.
        part (int): number of the data set among the parts of the loader's
            ``ConcatDataset`` (0 for a plain data set).
    """

    def __init__(self, pipeline, seed: int, rank: int, epoch: torch.Tensor,
                 part: int = 0) -> None:
        self.pipeline = pipeline
        self.seed, self.rank, self.epoch, self.part = seed, rank, epoch, part

    def __call__(self, results: dict):
        if results.get('sample_idx') is None:
            raise KeyError('EpochSeedHook seeds views per sample from results["sample_idx"], which '
                           'this data set does not set (mmengine BaseDataset.get_data_info does)')
        view_seed = sample_seed(self.seed, int(self.epoch), int(results['sample_idx']), self.rank,
                                self.part)
        if get_worker_info() is not None:
            # A data worker draws nothing but views: no state to keep.
            _seed_cpu(view_seed)
            return self.pipeline(results)
        states = random.getstate(), np.random.get_state(), torch.default_generator.get_state()
        _seed_cpu(view_seed)
        try:
            return self.pipeline(results)
        finally:
            random.setstate(states[0])
            np.random.set_state(states[1])
            torch.default_generator.set_state(states[2])


def _leaves(dataset) -> Iterator[object]:
    if hasattr(dataset, 'datasets') and hasattr(dataset, 'cumulative_sizes'):
        for part in dataset.datasets:
            yield from _leaves(part)
    elif hasattr(dataset, 'pipeline'):
        yield dataset
    else:
        # e.g. RepeatDataset: its repeats share sample indices, hence views.
        raise TypeError(f'EpochSeedHook cannot seed the samples of {type(dataset).__name__}; '
                        'use data sets with a pipeline, or a ConcatDataset of them')


def _parts(dataset) -> List[Tuple[object, int]]:
    """(data set with a pipeline, its part number) of a loader's data set.

    Parts are numbered in order, (nested) ``ConcatDataset`` s flattened: a
    part's number, unlike its offset, does not change when an earlier part
    is subsampled.
    """
    return [(leaf, part) for part, leaf in enumerate(_leaves(dataset))]


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Draw every sample's random views from a seed of (seed, epoch, sample
    index, rank), so that ``--resume`` repeats the uninterrupted run exactly.

    mmengine seeds each data worker once, when it is created, so the views of
    epoch e depend on everything the worker drew before; shipped configs use
    ``persistent_workers=True``, whose workers are created once per process:
    a run resumed from a checkpoint would draw other views. This hook wraps
    the pipelines of the train data set in :class:`SeededPipeline` (before
    the workers exist) and publishes the epoch to them through shared memory
    before each epoch, so a sample's views depend only on (seed, epoch,
    index, rank): not on the worker, the number of workers, their
    persistence or the history of the run.

    Evaluation views (the paired test views that rank sub-heads) are seeded
    by (seed, part, index within the part) alone, so every evaluation of a
    checkpoint, on any number of ranks and with any ``label_fraction`` of
    :class:`ManyToOneEvalDataset`, sees the same test views.

    Under ``IterBasedTrainLoop`` the train data is left alone: there is no
    epoch, and mmengine resumes by replaying the data stream from freshly
    seeded workers, which is exact.

    The main process's ``random``/numpy/torch streams are also reseeded from
    (seed, epoch, rank) before each epoch.

    Args:
        seed (int, optional): base seed; defaults to the runner's seed.
    """

    priority = 'HIGHEST'

    def __init__(self, seed: Optional[int] = None) -> None:
        self.seed = seed
        self._epoch = torch.zeros((), dtype=torch.int64).share_memory_()

    def _base(self, runner) -> int:
        return self.seed if self.seed is not None else (runner.seed or 0)

    def _wrap(self, loader, seed: int, rank: int, epoch: torch.Tensor) -> None:
        if loader is None:
            return
        for dataset, part in _parts(loader.dataset):
            if not isinstance(dataset.pipeline, SeededPipeline):
                dataset.pipeline = SeededPipeline(dataset.pipeline, seed, rank, epoch, part)

    def _wrap_eval(self, runner, loop_name: str) -> None:
        loop = getattr(runner, loop_name, None)
        if loop is not None and hasattr(loop, 'dataloader'):
            self._wrap(loop.dataloader, self._base(runner), 0,
                       torch.full((), EVAL_STREAM, dtype=torch.int64))

    def before_train(self, runner) -> None:
        if not isinstance(runner.train_loop, IterBasedTrainLoop):
            self._wrap(runner.train_dataloader, self._base(runner), get_rank(), self._epoch)
        self._wrap_eval(runner, 'val_loop')

    def before_train_epoch(self, runner) -> None:
        self._epoch.fill_(runner.epoch)
        _seed_all(sample_seed(self._base(runner), runner.epoch, EVAL_STREAM, get_rank()))

    def before_val(self, runner) -> None:
        self._wrap_eval(runner, 'val_loop')

    def before_test(self, runner) -> None:
        self._wrap_eval(runner, 'test_loop')
