"""IIC training under 2-rank DDP on the CPU (spawned processes, gloo).

Runner with ``launcher='pytorch'`` and the config's ``nccl`` backend, as
``tools/dist_train.sh`` gives it: the CPU process group (``start_distributed``,
as the tools start it), the DDP wrapper, the head
alternation under Adam, rank-seeded views, an exact ``--resume`` after a
crash mid-epoch, and the SyncBN conversion of every mmiic backbone.
"""
import os.path as osp

import pytest
import torch
import torch.distributed as dist
import torch.nn as nn
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from mmengine.runner import Runner

import mmiic  # noqa: F401
from mmiic.models.wrappers import IICDistributedDataParallel
from mmiic.testing import free_port, make_mnist, run_on_ranks
from mmiic.utils import start_distributed

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs', 'iic')


@HOOKS.register_module(force=True)
class RecordHeadsHook(Hook):
    """Per iteration: the active head, which heads' weights the step changed,
    and the views drawn for the first sample."""

    priority = 'LOWEST'  # the train loop switches the head before any hook runs

    def __init__(self) -> None:
        self.records = []

    @staticmethod
    def _heads(runner):
        return runner.model.module.cluster_heads

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self._before = {name: [p.detach().clone() for p in head.parameters()]
                        for name, head in self._heads(runner).heads.items()}
        self._views = data_batch['data_samples'][0].view_params

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        heads = self._heads(runner)
        changed = {
            name: any(not torch.equal(a, b) for a, b in zip(self._before[name], head.parameters()))
            for name, head in heads.heads.items()
        }
        self.records.append(dict(iter=runner.iter, active=heads.active_head, changed=changed,
                                 views=self._views))


@HOOKS.register_module(force=True)
class CrashAtIterHook(Hook):

    def __init__(self, at_iter: int) -> None:
        self.at_iter = at_iter

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.at_iter:
            raise KeyboardInterrupt(f'simulated crash at iteration {runner.iter}')


def _cfg(work_dir, data_root, extra_hooks=()):
    """vgg6c MNIST config, narrowed; 8 images, 2 per rank and step: 2 steps per epoch."""
    cfg = Config.fromfile(osp.join(CONFIG_DIR, 'iic_vgg6c_mnist.py'))
    cfg.launcher = 'pytorch'
    cfg.env_cfg.dist_cfg.timeout = 60
    cfg.model.backbone.arch = [4, 'M', 8, 'M', 8, 'M']
    cfg.model.head.in_channels = 8 * 3 * 3
    cfg.model.head.num_subheads = 2
    for key in ('train_dataloader', 'val_dataloader'):
        cfg[key].dataset.data_root = data_root
        cfg[key].batch_size = 2
        cfg[key].num_workers = 0
        cfg[key].persistent_workers = False
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_cfg.max_epochs = 2
    cfg.train_cfg.val_interval = 10
    cfg.default_hooks.logger.interval = 1
    cfg.custom_hooks = cfg.custom_hooks + [dict(type='RecordHeadsHook'), *extra_hooks]
    cfg.work_dir = work_dir
    return cfg


def _records(runner):
    return next(h for h in runner.hooks if isinstance(h, RecordHeadsHook)).records


def _train_switch_crash_resume(rank, world_size, tmp):
    data_root = osp.join(tmp, 'mnist')
    cfg = _cfg(osp.join(tmp, 'full'), data_root)
    assert start_distributed(cfg)  # as tools/train.py; the Runners below find the group
    full = Runner.from_cfg(cfg)
    assert dist.get_backend() == 'gloo'  # the configs say nccl; there is no CUDA here
    assert isinstance(full.model, IICDistributedDataParallel)
    assert full.model.device_ids is None and full.model.find_unused_parameters
    full.train()

    records = _records(full)
    # Overclustering head first (epoch 0, iterations 0-1), then main (2-3).
    assert [r['active'] for r in records] == ['overcluster'] * 2 + ['main'] * 2
    for r in records:
        inactive = 'main' if r['active'] == 'overcluster' else 'overcluster'
        assert r['changed'][r['active']], r
        # In epoch 1 Adam has momentum for the overclustering head: had DDP
        # handed it zero gradients, the step would still have moved it.
        assert not r['changed'][inactive], r
    every_rank = [None] * world_size
    dist.all_gather_object(every_rank, records)
    assert [[(r['iter'], r['active']) for r in rec] for rec in every_rank] == [
        [(r['iter'], r['active']) for r in records]] * world_size
    for i in range(len(records)):  # the ranks draw their own views
        assert every_rank[0][i]['views'] != every_rank[1][i]['views'], i

    weights = torch.cat([p.detach().flatten() for p in full.model.parameters()])
    replicas = [torch.empty_like(weights) for _ in range(world_size)]
    dist.all_gather(replicas, weights)
    assert all(torch.equal(replicas[0], w) for w in replicas)

    crash = _cfg(osp.join(tmp, 'crash'), data_root, [dict(type='CrashAtIterHook', at_iter=3)])
    with pytest.raises(KeyboardInterrupt):
        Runner.from_cfg(crash).train()
    resume = _cfg(osp.join(tmp, 'crash'), data_root)
    resume.resume = True
    resumed = Runner.from_cfg(resume)
    resumed.train()
    assert resumed.iter == 4
    for (name, a), b in zip(full.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.equal(a, b), name


@pytest.mark.slow
@pytest.mark.dist
def test_two_rank_training_switches_heads_and_resumes_exactly(tmp_path):
    make_mnist(str(tmp_path / 'mnist'), n_train=6, n_test=2)
    run_on_ranks(_train_switch_crash_resume, str(tmp_path), init_group=False, timeout=300)


@pytest.mark.slow
@pytest.mark.dist
def test_sync_bn_is_one_config_line_for_every_backbone(tmp_path, monkeypatch):
    """``sync_bn='torch'`` converts every BatchNorm of IICVGG and IICResNet.

    SyncBatchNorm needs CUDA: on this CPU the wrapper turns the converted
    layers back (and says how many); a 1-rank process group suffices.
    """
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', str(free_port()))
    # mmengine sets the thread counts of a distributed run unless they are set.
    for name, value in (('RANK', '0'), ('LOCAL_RANK', '0'), ('WORLD_SIZE', '1'),
                        ('OMP_NUM_THREADS', '1'), ('MKL_NUM_THREADS', '1')):
        monkeypatch.setenv(name, value)
    vgg = _cfg(str(tmp_path / 'vgg'), str(tmp_path / 'mnist'))
    resnet = Config.fromfile(osp.join(CONFIG_DIR, 'iic_resnet5g_cifar10.py'))
    resnet.model.backbone.depth = 18
    resnet.launcher = 'pytorch'
    resnet.work_dir = str(tmp_path / 'resnet')
    try:
        start_distributed(vgg)
        for cfg in (vgg, resnet):
            cfg.sync_bn = 'torch'
            runner = Runner.from_cfg(cfg)
            norms = [m for m in runner.model.modules()
                     if isinstance(m, nn.modules.batchnorm._BatchNorm)]
            assert norms and not any(isinstance(m, nn.SyncBatchNorm) for m in norms)
            with open(runner.logger.log_file) as f:
                assert f'SyncBatchNorm needs CUDA: its {len(norms)} layers' in f.read()
    finally:
        dist.destroy_process_group()
