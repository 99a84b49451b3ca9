"""Train the main and the overclustering head in alternate epochs."""
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmiic.registry import HOOKS


@HOOKS.register_module()
class HeadAlternationHook(Hook):
    """Switch the trained head following a repeating schedule.

    The schedule is ``head_order`` with each head repeated
    ``epochs_per_head[head]`` times, e.g. ``('overcluster', 'main')`` with
    ``dict(overcluster=2, main=1)`` trains overcluster, overcluster, main,
    overcluster, ... (the public IIC runs train the overclustering head first).
    Heads the model lacks are skipped, so one schedule fits models with and
    without an overclustering head.

    The switch reaches the model through DDP and other wrappers.

    Args:
        head_order (Sequence[str]): heads in schedule order.
            Defaults to ('main', 'overcluster').
        epochs_per_head (dict, optional): epochs (or intervals) per head per
            cycle; defaults to 1 each.
        by_epoch (bool): switch per epoch; False switches every
            ``interval`` iterations (for iteration-based loops).
        interval (int): iterations per step when ``by_epoch=False``.
    """

    priority = 'NORMAL'

    def __init__(self,
                 head_order: Sequence[str] = ('main', 'overcluster'),
                 epochs_per_head: Optional[dict] = None,
                 by_epoch: bool = True,
                 interval: int = 1000) -> None:
        epochs_per_head = epochs_per_head or {}
        unknown = set(epochs_per_head) - set(head_order)
        if unknown:
            raise ValueError(f'epochs_per_head names heads not in head_order: {sorted(unknown)}')
        self.head_order = tuple(head_order)
        self.epochs_per_head = {h: int(epochs_per_head.get(h, 1)) for h in head_order}
        self.by_epoch = by_epoch
        self.interval = interval

    @staticmethod
    def _heads_of(runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        return model.cluster_heads

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

    def before_train_epoch(self, runner) -> None:
        if self.by_epoch:
            self._switch(runner, runner.epoch)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if not self.by_epoch:
            self._switch(runner, runner.iter // self.interval)
