"""Train the main and the overclustering head in alternate epochs (or iteration blocks)."""
import math
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import IterBasedTrainLoop

from mmiic.registry import HOOKS


def _is_iter_based(runner) -> bool:
    return isinstance(getattr(runner, 'train_loop', None), IterBasedTrainLoop)


@HOOKS.register_module()
class HeadAlternationHook(Hook):
    """Switch the trained head following a repeating schedule.

    The schedule is ``head_order`` with each head repeated
    ``epochs_per_head[head]`` times, e.g. ``('overcluster', 'main')`` with
    ``dict(overcluster=2, main=1)`` trains overcluster, overcluster, main,
    overcluster, ... (the public IIC runs train the overclustering head first).
    Heads the model lacks are skipped, so one schedule fits models with and
    without an overclustering head.

    The switch reaches the model through DDP and other wrappers, and the
    train sampler when it gives each head its own samples
    (:class:`HeadSubsetSampler`). Its epochs differ in length per head; the
    hook then gives the loop the true ``max_iters`` and refuses what mmengine
    sized from the first epoch before the hook runs (``accumulative_counts >
    1``, schedulers with ``convert_to_iter_based=True``) and loaders without
    a ``batch_size`` (a custom ``batch_sampler``).

    Args:
        head_order (Sequence[str]): heads in schedule order.
            Defaults to ('main', 'overcluster').
        epochs_per_head (dict, optional): epochs (or intervals) per head per
            cycle; defaults to 1 each.
        by_epoch (bool, optional): True switches per epoch, False every
            ``interval`` iterations. None (default) picks from the train
            loop: per iteration block under ``IterBasedTrainLoop`` (whose
            ``runner.epoch`` stays 0, so per-epoch switching would train one
            head only), per epoch otherwise. ``True`` with an iteration-based
            loop is refused.
        interval (int): iterations per step when switching by iteration.
    """

    priority = 'NORMAL'

    def __init__(self,
                 head_order: Sequence[str] = ('main', 'overcluster'),
                 epochs_per_head: Optional[dict] = None,
                 by_epoch: Optional[bool] = None,
                 interval: int = 1000) -> None:
        epochs_per_head = epochs_per_head or {}
        unknown = set(epochs_per_head) - set(head_order)
        if unknown:
            raise ValueError(f'epochs_per_head names heads not in head_order: {sorted(unknown)}')
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.head_order = tuple(head_order)
        self.epochs_per_head = {h: int(epochs_per_head.get(h, 1)) for h in head_order}
        self.by_epoch = by_epoch
        self.interval = interval

    def _switches_by_epoch(self, runner) -> bool:
        if self.by_epoch is not None:
            return self.by_epoch
        return not _is_iter_based(runner)

    @staticmethod
    def _heads_of(runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        return model.cluster_heads

    @staticmethod
    def _head_sampler(runner):
        """The train sampler if it serves each head its own samples, else None
        (looked up in the loader and in its batch sampler)."""
        loader = getattr(runner, 'train_dataloader', None)
        for sampler in (getattr(loader, 'sampler', None),
                        getattr(getattr(loader, 'batch_sampler', None), 'sampler', None)):
            if hasattr(sampler, 'set_active_head'):
                return sampler
        return None

    def _schedule(self, heads) -> list:
        cycle = [h for h in self.head_order if h in heads.heads
                 for _ in range(self.epochs_per_head[h])]
        if not cycle:
            raise ValueError(f'head_order {self.head_order} names none of the model heads '
                             f'{heads.head_names}')
        return cycle

    def _switch(self, runner, step: int) -> None:
        heads = self._heads_of(runner)
        cycle = self._schedule(heads)
        heads.set_active_head(cycle[step % len(cycle)])
        runner.message_hub.update_info('active_head', heads.active_head)

    def before_train(self, runner) -> None:
        if self.by_epoch and _is_iter_based(runner):
            raise ValueError('HeadAlternationHook(by_epoch=True) under IterBasedTrainLoop would '
                             'train one head only (runner.epoch stays 0); leave by_epoch unset '
                             'or set by_epoch=False with an interval in iterations')
        if self._head_sampler(runner) is not None and not self._switches_by_epoch(runner):
            raise ValueError('the train sampler gives each head its own samples, which can only '
                             'change between epochs: switch heads by epoch (an epoch-based loop)')
        if self._head_sampler(runner) is not None:
            self._count_iterations(runner, self._head_sampler(runner))

    def _count_iterations(self, runner, sampler) -> None:
        """Epochs of different heads differ in length with a per-head sampler:
        give the loop the true total of iterations (progress, ETA)."""
        loader, loop = runner.train_dataloader, runner.train_loop
        if loader.batch_size is None:
            raise ValueError('HeadAlternationHook with HeadSubsetSampler needs '
                             'train_dataloader.batch_size to count the iterations of each '
                             "head's epochs; a custom train_dataloader.batch_sampler (which "
                             'leaves the loader without a batch_size) is not supported')
        cycle = self._schedule(self._heads_of(runner))

        def batches(head: str) -> int:
            samples = sampler.num_samples_of(head)
            if loader.drop_last:
                return samples // loader.batch_size
            return math.ceil(samples / loader.batch_size)

        per_epoch = [batches(cycle[e % len(cycle)]) for e in range(loop.max_epochs)]
        if len(set(per_epoch)) == 1:
            return  # all epochs as long as the first: mmengine's count holds
        self._check_no_first_epoch_counts(runner)
        # mmengine computes max_iters once, from the first epoch's length,
        # and offers no setter: ``_max_iters`` is private mmengine state
        # (EpochBasedTrainLoop, mmengine 0.10), written here for progress, ETA
        # and iteration-based hooks; revisit on mmengine upgrades.
        loop._max_iters = sum(per_epoch)
        runner.message_hub.update_info('max_iters', loop.max_iters)

    @staticmethod
    def _check_no_first_epoch_counts(runner) -> None:
        """Refuse what mmengine sized from the first epoch's length before
        this hook runs (``Runner.train`` builds them before ``before_train``).

        An error rather than a warning: both give silently wrong training.
        ``OptimWrapper.initialize_count_status`` got the old ``max_iters``, so
        with ``accumulative_counts > 1`` the last accumulation window is
        scaled and stepped at the wrong iteration; schedulers with
        ``convert_to_iter_based=True`` were converted with the first epoch's
        length, so their milestones and ends land in the wrong epochs.
        """
        wrappers = getattr(runner, 'optim_wrapper', None)
        wrappers = list(wrappers.values()) if hasattr(wrappers, 'values') else [wrappers]
        for wrapper in wrappers:
            # mmengine keeps the count in a private attribute, with no getter.
            counts = getattr(wrapper, '_accumulative_counts', 1)
            if counts > 1:
                raise ValueError(
                    'HeadSubsetSampler makes the epochs of the heads differ in length, which '
                    f'optim_wrapper.accumulative_counts={counts} cannot follow (mmengine sizes '
                    'its last accumulation window from the first epoch); use '
                    'accumulative_counts=1 or a larger batch_size')
        schedulers = (getattr(runner, 'cfg', None) or {}).get('param_scheduler') or []
        if isinstance(schedulers, dict) and 'type' not in schedulers:
            schedulers = [s for group in schedulers.values()
                          for s in (group if isinstance(group, (list, tuple)) else [group])]
        elif isinstance(schedulers, dict):
            schedulers = [schedulers]
        for scheduler in schedulers:
            if scheduler.get('convert_to_iter_based', False):
                raise ValueError(
                    'HeadSubsetSampler makes the epochs of the heads differ in length, but '
                    f'param_scheduler {scheduler.get("type")} has convert_to_iter_based=True, '
                    "which mmengine converts with the first epoch's length; set "
                    'convert_to_iter_based=False (per-epoch steps) or give it in iterations '
                    '(by_epoch=False)')

    def before_train_epoch(self, runner) -> None:
        if self._switches_by_epoch(runner):
            self._switch(runner, runner.epoch)
            sampler = self._head_sampler(runner)
            if sampler is not None:
                sampler.set_active_head(self._heads_of(runner).active_head)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if not self._switches_by_epoch(runner):
            self._switch(runner, runner.iter // self.interval)
