"""Seed the data augmentation per epoch so that a resumed run repeats it exactly."""
import random
from functools import partial

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from mmiic.registry import HOOKS


def _seed_worker(worker_id: int, base_seed: int) -> None:
    seed = (base_seed + worker_id) % 2**32
    np.random.seed(seed)
    random.seed(seed)
    torch.manual_seed(seed)


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Reseed numpy/random/torch from (seed, epoch, rank) before each epoch.

    mmengine seeds data workers once from a fixed seed, so the random views
    of epoch e depend on everything drawn before it, and a run resumed from a
    checkpoint draws different views than the uninterrupted run. With this
    hook each epoch's draws depend only on (seed, epoch, rank, worker): a run
    killed mid-epoch and resumed with ``--resume`` ends with the same weights
    and metrics. Workers must not be persistent for the per-epoch seed to
    reach them (with ``num_workers=0`` it always does).

    Args:
        seed (int, optional): base seed; defaults to the runner's seed.
    """

    priority = 'HIGHEST'

    def __init__(self, seed: int = None) -> None:
        self.seed = seed

    def before_train_epoch(self, runner) -> None:
        base = self.seed if self.seed is not None else (runner.seed or 0)
        loader = runner.train_dataloader
        workers = max(getattr(loader, 'num_workers', 0), 1)
        epoch_seed = base + 100003 * (runner.epoch + 1) + workers * get_rank()
        _seed_worker(0, epoch_seed)
        if getattr(loader, 'num_workers', 0) > 0:
            loader.worker_init_fn = partial(_seed_worker, base_seed=epoch_seed)
