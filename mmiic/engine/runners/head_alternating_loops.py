"""Train loops that alternate the trained cluster head (main / overclustering).

The loop owns the alternation, as it owns the epochs: it switches the head
before each epoch (or block of iterations), and when
:class:`~mmiic.datasets.HeadSubsetSampler` gives each head its own samples,
it counts the true length of every epoch when it is built, before the Runner
builds the optimizer wrapper and the parameter schedulers from it.
"""
import copy
import inspect
import math
from typing import Dict, List, Optional, Sequence, Union

from mmengine.optim.scheduler.param_scheduler import INF
from mmengine.registry import PARAM_SCHEDULERS
from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop
from torch.utils.data import DataLoader

from mmiic.models.wrappers import unwrap_model
from mmiic.registry import LOOPS

# Arguments in epochs that mmengine's schedulers convert to iterations
# (``build_iter_from_epoch``), besides ``begin`` and ``end``: positions
# (``milestones``) and spans counted from ``begin``.
_POSITIONS = ('milestones', )
_SPANS = ('T_max', 'total_steps')
_CONSECUTIVE_SPANS = ('periods', )
_NOT_EPOCHS = ('args', 'kwargs', 'begin', 'end', 'by_epoch', 'epoch_length')


def head_sampler_of(loader) -> Optional[object]:
    """The loader's sampler if it serves each head its own samples
    (``set_active_head``, e.g. :class:`HeadSubsetSampler`), looked up in the
    loader and in its batch sampler; else None."""
    for sampler in (getattr(loader, 'sampler', None),
                    getattr(getattr(loader, 'batch_sampler', None), 'sampler', None)):
        if hasattr(sampler, 'set_active_head'):
            return sampler
    return None


class _HeadAlternation:
    """The schedule of heads shared by both loops.

    ``head_order`` with each head repeated ``steps_per_head[head]`` times,
    e.g. ``('overcluster', 'main')`` with ``dict(overcluster=2, main=1)``
    trains overcluster, overcluster, main, overcluster, ... Heads the model
    lacks are skipped, so one schedule fits models with and without an
    overclustering head.
    """

    def _init_schedule(self, head_order: Sequence[str], steps_per_head: Optional[dict],
                       name: str) -> None:
        steps_per_head = steps_per_head or {}
        unknown = set(steps_per_head) - set(head_order)
        if unknown:
            raise ValueError(f'{name} names heads not in head_order: {sorted(unknown)}')
        self.head_order = tuple(head_order)
        counts = {head: int(steps_per_head.get(head, 1)) for head in self.head_order}
        heads = self.cluster_heads
        self.schedule: List[str] = [head for head in self.head_order if head in heads.heads
                                    for _ in range(counts[head])]
        if not self.schedule:
            raise ValueError(f'head_order {self.head_order} names none of the model heads '
                             f'{heads.head_names}')

    @property
    def cluster_heads(self):
        """The model's :class:`ClusterHeads` (through DDP and other wrappers)."""
        model = self.runner.model
        model = unwrap_model(model)
        if not hasattr(model, 'cluster_heads'):
            raise TypeError(f'{type(self).__name__} alternates cluster heads, which '
                            f'{type(model).__name__} has not (an IICClassifier or IICSegmentor '
                            'has); train it with EpochBasedTrainLoop or IterBasedTrainLoop')
        return model.cluster_heads

    def head_at(self, step: int) -> str:
        """The head that trains in epoch (or block of iterations) ``step``."""
        return self.schedule[step % len(self.schedule)]

    def switch_head(self, step: int) -> str:
        """Train the head of ``step`` from now on; return its name."""
        head = self.head_at(step)
        self.cluster_heads.set_active_head(head)
        self.runner.message_hub.update_info('active_head', head)
        return head


@LOOPS.register_module()
class HeadAlternatingEpochBasedTrainLoop(_HeadAlternation, EpochBasedTrainLoop):
    """mmengine's ``EpochBasedTrainLoop`` training one cluster head per epoch.

    The heads follow ``head_order`` with ``epochs_per_head`` epochs each (see
    :class:`_HeadAlternation`); the public IIC runs train the overclustering
    head first. The switch reaches the model through DDP and other
    wrappers, and the train sampler when it gives each head its own samples
    (:class:`HeadSubsetSampler`), whose epochs then differ in length per head.

    Built before the optimizer wrapper and the parameter schedulers, the loop
    then counts every epoch (``len(dataloader)`` with each head active), so
    that ``max_iters`` (progress, ETA, the last window of
    ``accumulative_counts > 1``, the default ``end`` of iteration-based
    schedulers) is the true total; and it converts the schedulers given in
    epochs with ``convert_to_iter_based=True`` at the epochs' true first
    iterations (``begin``, ``end``, ``milestones``; ``T_max``,
    ``total_steps`` and ``periods`` as the iterations of the epochs they
    span), which mmengine would convert with one epoch length. A
    ``step_size`` in epochs (``StepLR``) has no one length in iterations
    then and is refused: give ``milestones`` (``MultiStepLR``) instead.

    Args:
        runner, dataloader, max_epochs, val_begin, val_interval,
        dynamic_intervals: as mmengine's ``EpochBasedTrainLoop``.
        head_order (Sequence[str]): heads in schedule order. Defaults to
            ('main', 'overcluster').
        epochs_per_head (dict, optional): epochs per head per cycle; defaults
            to 1 each.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 max_epochs: int,
                 head_order: Sequence[str] = ('main', 'overcluster'),
                 epochs_per_head: Optional[dict] = None,
                 val_begin: int = 1,
                 val_interval: int = 1,
                 dynamic_intervals: Optional[list] = None) -> None:
        super().__init__(runner, dataloader, max_epochs, val_begin=val_begin,
                         val_interval=val_interval, dynamic_intervals=dynamic_intervals)
        self._init_schedule(head_order, epochs_per_head, 'epochs_per_head')
        self.head_sampler = head_sampler_of(self.dataloader)
        self.iters_per_head = self._count_iterations()
        self.epoch_lengths = [self.iters_per_head[self.head_at(e)] for e in range(self.max_epochs)]
        if len(set(self.iters_per_head.values())) > 1:
            self.runner.param_schedulers = self._schedulers_in_iterations(
                self.runner.param_schedulers)

    @property
    def max_iters(self) -> int:
        """Total iterations: the sum of the epochs' true lengths."""
        return sum(self.epoch_lengths)

    def _count_iterations(self) -> Dict[str, int]:
        """Batches in an epoch of each head (the same for all heads unless
        the sampler gives each its own samples)."""
        if self.head_sampler is None:
            return {head: len(self.dataloader) for head in self.schedule}
        active, counts = self.head_sampler.active_head, {}
        try:
            for head in set(self.schedule):
                self.head_sampler.set_active_head(head)
                counts[head] = len(self.dataloader)
        finally:
            self.head_sampler.set_active_head(active)
        return counts

    def run_epoch(self) -> None:
        head = self.switch_head(self._epoch)
        if self.head_sampler is not None:
            self.head_sampler.set_active_head(head)
        super().run_epoch()

    def iteration_at(self, epoch: float) -> int:
        """First iteration of (fractional) epoch ``epoch``, beyond
        ``max_epochs`` too (the schedule repeats)."""
        lengths = [self.iters_per_head[head] for head in self.schedule]
        whole = math.floor(epoch)
        cycles, rest = divmod(whole, len(lengths))
        return int(cycles * sum(lengths) + sum(lengths[:rest]) + (epoch - whole) * lengths[rest])

    def _schedulers_in_iterations(self, schedulers):
        """``runner.param_schedulers`` (configs until the Runner builds them,
        right after this loop) with every ``convert_to_iter_based`` one in
        iterations; a dict without ``type`` holds one list per optimizer."""
        if isinstance(schedulers, dict) and 'type' not in schedulers:
            return {name: self._schedulers_in_iterations(group)
                    for name, group in schedulers.items()}
        if isinstance(schedulers, dict):
            return self._scheduler_in_iterations(schedulers)
        if isinstance(schedulers, (list, tuple)):
            return [self._scheduler_in_iterations(s) if isinstance(s, dict) else s
                    for s in schedulers]
        return schedulers  # None, or schedulers built already

    def _scheduler_in_iterations(self, cfg: dict) -> dict:
        if not (cfg.get('convert_to_iter_based', False) and cfg.get('by_epoch', True)):
            return cfg
        scheduler_cls = PARAM_SCHEDULERS.get(cfg['type'])
        if scheduler_cls is None:
            raise KeyError(f'param_scheduler type {cfg["type"]!r} is not registered')
        arguments = inspect.signature(scheduler_cls.build_iter_from_epoch).parameters
        in_epochs = [name for name in arguments if name not in _NOT_EPOCHS]
        known = _POSITIONS + _SPANS + _CONSECUTIVE_SPANS
        unknown = [name for name in in_epochs if name not in known]
        if unknown:
            raise ValueError(
                f'param_scheduler {cfg["type"]} gives {unknown} in epochs, which have no one '
                f'length in iterations here: the epochs of the heads last '
                f'{self.iters_per_head} iterations (HeadSubsetSampler); give it in iterations '
                '(by_epoch=False) or use milestones (MultiStepLR)')
        cfg = copy.deepcopy(cfg)
        cfg.pop('convert_to_iter_based')
        begin = cfg.get('begin', 0)
        end = cfg.get('end', self.max_epochs)  # the Runner's default for by_epoch
        cfg.update(by_epoch=False, begin=self.iteration_at(begin),
                   end=INF if end == INF else self.iteration_at(end))
        for name in _POSITIONS:
            if cfg.get(name) is not None:
                cfg[name] = [self.iteration_at(epoch) for epoch in cfg[name]]
        for name in _SPANS:
            if cfg.get(name) is not None:
                cfg[name] = self.iteration_at(begin + cfg[name]) - cfg['begin']
        for name in _CONSECUTIVE_SPANS:
            if cfg.get(name) is not None:
                ends = [begin + sum(cfg[name][:i + 1]) for i in range(len(cfg[name]))]
                starts = [cfg['begin']] + [self.iteration_at(e) for e in ends[:-1]]
                cfg[name] = [self.iteration_at(e) - s for e, s in zip(ends, starts)]
        return cfg


@LOOPS.register_module()
class HeadAlternatingIterBasedTrainLoop(_HeadAlternation, IterBasedTrainLoop):
    """mmengine's ``IterBasedTrainLoop`` training one cluster head per block
    of ``interval`` iterations.

    The heads follow ``head_order`` with ``intervals_per_head`` blocks each
    (see :class:`_HeadAlternation`); the switch reaches the model through DDP
    and other wrappers. (The paper alternates per epoch: set ``interval`` to
    the iterations of an epoch.) A sampler that gives each head its own
    samples can only change between epochs and is refused: use
    :class:`HeadAlternatingEpochBasedTrainLoop` with it.

    Args:
        runner, dataloader, max_iters, val_begin, val_interval,
        dynamic_intervals: as mmengine's ``IterBasedTrainLoop``.
        head_order (Sequence[str]): heads in schedule order. Defaults to
            ('main', 'overcluster').
        interval (int): iterations per block. Defaults to 1000.
        intervals_per_head (dict, optional): blocks per head per cycle;
            defaults to 1 each.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 max_iters: int,
                 head_order: Sequence[str] = ('main', 'overcluster'),
                 interval: int = 1000,
                 intervals_per_head: Optional[dict] = None,
                 val_begin: int = 1,
                 val_interval: int = 1000,
                 dynamic_intervals: Optional[list] = None) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        super().__init__(runner, dataloader, max_iters, val_begin=val_begin,
                         val_interval=val_interval, dynamic_intervals=dynamic_intervals)
        self.interval = interval
        self._init_schedule(head_order, intervals_per_head, 'intervals_per_head')
        if head_sampler_of(self.dataloader) is not None:
            raise ValueError(f'the train sampler gives each head its own samples, which can only '
                             f'change between epochs: use HeadAlternatingEpochBasedTrainLoop '
                             f'instead of {type(self).__name__}')

    def run_iter(self, data_batch) -> None:
        self.switch_head(self._iter // self.interval)
        super().run_iter(data_batch)
