"""Seed the random views per sample so that a resumed run repeats them exactly."""
from typing import Iterator, List, Optional, Tuple

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.runner import IterBasedTrainLoop
from torch.utils.data import get_worker_info

from mmiic.datasets.transforms.view_randomness import (EVAL_EPOCH, MAIN_PROCESS_INDEX, sample_seed,
                                                       seed_random_state, seeded_random_state,
                                                       view_seed)
from mmiic.registry import HOOKS


class SeededPipeline:
    """Run a data pipeline with ``random``, numpy and torch (CPU) seeded by
    :func:`~mmiic.datasets.transforms.view_randomness.view_seed` of the
    sample. In the main process (``num_workers=0``) the caller's RNG states
    are restored afterwards, so data loading leaves the main process's
    random streams alone.

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
        key = view_seed(self.seed, int(self.epoch), int(results['sample_idx']), self.rank,
                        self.part)
        # A data worker draws nothing but views: no state to keep.
        with seeded_random_state(key, restore=get_worker_info() is None):
            return self.pipeline(results)


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
    by (seed, part, index within the part) alone (epoch
    :data:`~mmiic.datasets.transforms.view_randomness.EVAL_EPOCH`, rank 0),
    so every evaluation of a checkpoint, on any number of ranks and with
    any ``label_fraction`` of :class:`ManyToOneEvalDataset`, sees the same
    test views. A pipeline's ``IICPairedViews(seed=s)`` reseeds its views
    with the key of part 0 and base seed ``s``, which the training seed then
    does not move.

    Under ``IterBasedTrainLoop`` the train data is left alone: there is no
    epoch, and mmengine resumes by replaying the data stream from freshly
    seeded workers, which is exact.

    The main process's ``random``/numpy/torch streams are also reseeded from
    (seed, epoch, rank) before each epoch (sample index
    :data:`~mmiic.datasets.transforms.view_randomness.MAIN_PROCESS_INDEX`).
    The keys and the seeding are those of
    :mod:`mmiic.datasets.transforms.view_randomness`.

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
                       torch.full((), EVAL_EPOCH, dtype=torch.int64))

    def before_train(self, runner) -> None:
        if not isinstance(runner.train_loop, IterBasedTrainLoop):
            self._wrap(runner.train_dataloader, self._base(runner), get_rank(), self._epoch)
        self._wrap_eval(runner, 'val_loop')

    def before_train_epoch(self, runner) -> None:
        self._epoch.fill_(runner.epoch)
        seed_random_state(sample_seed(self._base(runner), runner.epoch, MAIN_PROCESS_INDEX,
                                      get_rank()), all_devices=True)

    def before_val(self, runner) -> None:
        self._wrap_eval(runner, 'val_loop')

    def before_test(self, runner) -> None:
        self._wrap_eval(runner, 'test_loop')
