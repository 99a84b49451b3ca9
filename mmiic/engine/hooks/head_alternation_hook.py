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
    (:class:`HeadSubsetSampler`).

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
        """The train sampler if it serves each head its own samples, else None."""
        loader = getattr(runner, 'train_dataloader', None)
        sampler = getattr(loader, 'sampler', None)
        return sampler if hasattr(sampler, 'set_active_head') else None

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
        cycle = self._schedule(self._heads_of(runner))

        def batches(head: str) -> int:
            samples = sampler.num_samples_of(head)
            if loader.drop_last:
                return samples // loader.batch_size
            return math.ceil(samples / loader.batch_size)

        # mmengine computes max_iters once, from the first epoch's length,
        # and offers no setter.
        loop._max_iters = sum(batches(cycle[e % len(cycle)]) for e in range(loop.max_epochs))
        runner.message_hub.update_info('max_iters', loop.max_iters)

    def before_train_epoch(self, runner) -> None:
        if self._switches_by_epoch(runner):
            self._switch(runner, runner.epoch)
            sampler = self._head_sampler(runner)
            if sampler is not None:
                sampler.set_active_head(self._heads_of(runner).active_head)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if not self._switches_by_epoch(runner):
            self._switch(runner, runner.iter // self.interval)
