import os
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.logging import MessageHub
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import OptimWrapper
from mmengine.registry import HOOKS
from mmengine.runner import Runner
from torch.utils.data import DataLoader

from mmiic.datasets import HeadSubsetSampler
from mmiic.engine.hooks import HeadAlternationHook
from mmiic.models.classifiers import IICClassifier
from mmiic.testing import make_mnist, make_stl10

MODEL = dict(
    backbone=dict(type='mmiic.IICVGG', arch=[4, 'M'], in_channels=2),
    head=dict(type='mmiic.ClusterHeads', in_channels=4 * 4 * 4, num_classes=2, num_overclusters=4,
              num_subheads=1),
    data_preprocessor=dict(type='mmiic.IICDataPreprocessor', sobel='sobel', in_channels=1))


def _runner(model, epoch=0, it=0):
    return SimpleNamespace(model=model, epoch=epoch, iter=it,
                           message_hub=MessageHub.get_instance('test_head_alternation'))


def test_epoch_schedule_with_counts_and_order():
    model = IICClassifier(**MODEL)
    hook = HeadAlternationHook(head_order=('overcluster', 'main'),
                               epochs_per_head=dict(overcluster=2, main=1))
    seen = []
    for epoch in range(6):
        hook.before_train_epoch(_runner(model, epoch=epoch))
        seen.append(model.cluster_heads.active_head)
    assert seen == ['overcluster', 'overcluster', 'main'] * 2


def test_iteration_schedule_and_missing_head_is_skipped():
    cfg = dict(MODEL, head=dict(MODEL['head'], num_overclusters=None))
    model = IICClassifier(**cfg)
    hook = HeadAlternationHook(by_epoch=False, interval=2)
    for it in range(4):
        hook.before_train_iter(_runner(model, it=it), it)
        assert model.cluster_heads.active_head == 'main'
    with pytest.raises(ValueError, match='not in head_order'):
        HeadAlternationHook(head_order=('main', ), epochs_per_head=dict(overcluster=1))


@pytest.mark.dist
def test_switch_reaches_the_loss_through_ddp():
    os.environ.setdefault('MASTER_ADDR', '127.0.0.1')
    os.environ.setdefault('MASTER_PORT', '29533')
    created = not dist.is_initialized()
    if created:
        dist.init_process_group('gloo', rank=0, world_size=1)
    try:
        wrapped = MMDistributedDataParallel(module=IICClassifier(**MODEL))
        hook = HeadAlternationHook(head_order=('overcluster', 'main'))
        hook.before_train_epoch(_runner(wrapped, epoch=0))
        inputs = torch.randint(0, 255, (3, 2, 1, 8, 8), dtype=torch.uint8)
        data = wrapped.module.data_preprocessor(dict(inputs=inputs), True)
        assert set(wrapped(**data, mode='loss')) >= {'loss_overcluster'}
        hook.before_train_epoch(_runner(wrapped, epoch=1))
        losses = wrapped(**data, mode='loss')
        assert 'loss_main' in losses and 'loss_overcluster' not in losses
    finally:
        if created:
            dist.destroy_process_group()


CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs', 'iic')


@HOOKS.register_module(force=True)
class RecordTrainedHeadHook(Hook):
    """Which head each iteration trained (its loss key) and on which samples."""

    steps = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        head = 'main' if 'loss_main' in outputs else 'overcluster'
        samples = data_batch['data_samples']
        self.steps.append(dict(head=head, epoch=runner.epoch, size=len(samples),
                               main=[s.metainfo['main_head_sample'] for s in samples],
                               idx=[s.metainfo['sample_idx'] for s in samples]))


def _tiny_cls_cfg(name, tmp_path, data_root):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = data_root
        cfg[key].num_workers = 0
        cfg[key].persistent_workers = False
    cfg.work_dir = str(tmp_path / 'work')
    cfg.default_hooks.logger.interval = 1
    cfg.custom_hooks = cfg.custom_hooks + [dict(type='RecordTrainedHeadHook')]
    return cfg


@pytest.mark.slow
def test_default_alternates_by_iteration_in_an_iteration_based_runner(tmp_path):
    """With its default by_epoch, the hook used to train one head only under
    IterBasedTrainLoop (runner.epoch stays 0)."""
    cfg = _tiny_cls_cfg('iic_vgg6c_mnist.py', tmp_path, make_mnist(str(tmp_path / 'mnist'), 8, 4))
    cfg.model.backbone.arch = [4, 'M', 8, 'M', 8, 'M']
    cfg.model.head.update(in_channels=8 * 3 * 3, num_subheads=1)
    cfg.train_dataloader.batch_size = 2
    cfg.train_dataloader.sampler = dict(type='InfiniteSampler', shuffle=True)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=8, val_interval=100)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False, interval=100)
    cfg.log_processor = dict(by_epoch=False)
    cfg.custom_hooks[0] = dict(type='mmiic.HeadAlternationHook', head_order=('overcluster', 'main'),
                               interval=2)
    RecordTrainedHeadHook.steps = []
    Runner.from_cfg(cfg).train()
    assert [s['head'] for s in RecordTrainedHeadHook.steps] == ['overcluster'] * 2 + ['main'] * 2 + [
        'overcluster'] * 2 + ['main'] * 2

    cfg.custom_hooks[0]['by_epoch'] = True
    cfg.work_dir = str(tmp_path / 'work2')
    with pytest.raises(ValueError, match='IterBasedTrainLoop would train one head only'):
        Runner.from_cfg(cfg).train()


@pytest.mark.slow
def test_stl10_config_gives_each_head_its_own_samples(tmp_path):
    """The shipped STL-10 config: main-head epochs iterate the labelled images
    only, in full batches; overclustering epochs all images."""
    root = make_stl10(str(tmp_path / 'stl10'), n=4, n_unlabeled=12)  # 8 labelled + 12 unlabelled
    cfg = _tiny_cls_cfg('iic_resnet5g_stl10.py', tmp_path, root)
    # Only the data side is under test: a tiny trunk keeps it fast on a CPU.
    cfg.model.backbone = dict(type='mmiic.IICVGG', arch=[4, 'M', 8, 'M'], in_channels=2)
    cfg.model.head.update(in_channels=8, num_subheads=1)
    cfg.train_dataloader.batch_size = 4
    cfg.train_dataloader.dataset.pipeline[0].num_repeats = 1
    cfg.train_cfg.max_epochs = 3
    cfg.train_cfg.val_interval = 100
    RecordTrainedHeadHook.steps = []
    runner = Runner.from_cfg(cfg)
    runner.train()
    steps = RecordTrainedHeadHook.steps
    per_epoch = {e: [s for s in steps if s['epoch'] == e] for e in range(3)}
    # The runtime schedule trains overcluster, main, overcluster.
    assert {s['head'] for s in per_epoch[0] + per_epoch[2]} == {'overcluster'}
    assert {s['head'] for s in per_epoch[1]} == {'main'}
    main_steps = per_epoch[1]
    assert len(main_steps) == 2 and all(s['size'] == 4 and all(s['main']) for s in main_steps)
    assert sorted(i for s in main_steps for i in s['idx']) == list(range(8))  # each labelled once
    over = sorted(i for s in per_epoch[0] for i in s['idx'])
    assert over == list(range(20)) and len(per_epoch[0]) == 5
    assert runner.iter == runner.max_iters == 5 + 2 + 5  # progress and ETA count true epochs


class _HeadData:
    """10 samples; 0..3 train the main head, all train the overclustering head."""

    def __len__(self):
        return 10

    def __getitem__(self, idx):
        return idx

    def head_indices(self, head):
        return np.arange(4) if head == 'main' else np.arange(10)


def _sampler_runner(loader, optim_wrapper=None, cfg=None, max_epochs=2):
    loop = SimpleNamespace(max_epochs=max_epochs, _max_iters=len(loader) * max_epochs,
                           max_iters=None)
    return SimpleNamespace(model=IICClassifier(**MODEL), train_dataloader=loader, train_loop=loop,
                           optim_wrapper=optim_wrapper or OptimWrapper(torch.optim.SGD(
                               [torch.nn.Parameter(torch.zeros(1))], lr=0.1)),
                           cfg=Config(cfg or {}), message_hub=MessageHub.get_instance('test_hah'))


def _head_loader(**kwargs):
    return DataLoader(_HeadData(), batch_size=2, sampler=HeadSubsetSampler(_HeadData(), seed=0),
                      **kwargs)


def test_per_head_epoch_lengths_reach_the_loop():
    runner = _sampler_runner(_head_loader())
    HeadAlternationHook(head_order=('main', 'overcluster')).before_train(runner)
    assert runner.train_loop._max_iters == 2 + 5


def test_first_epoch_counts_of_mmengine_are_refused_with_a_per_head_sampler():
    """mmengine sized these from the first (main-head) epoch before the hook
    could correct max_iters: they would silently misbehave."""
    hook = HeadAlternationHook()
    params = [torch.nn.Parameter(torch.zeros(1))]
    accumulating = OptimWrapper(torch.optim.SGD(params, lr=0.1), accumulative_counts=2)
    with pytest.raises(ValueError, match='accumulative_counts=2'):
        hook.before_train(_sampler_runner(_head_loader(), optim_wrapper=accumulating))
    converted = dict(param_scheduler=[dict(type='LinearLR', by_epoch=True, begin=0, end=2,
                                           convert_to_iter_based=True)])
    with pytest.raises(ValueError, match='LinearLR has convert_to_iter_based=True'):
        hook.before_train(_sampler_runner(_head_loader(), cfg=converted))
    per_optimizer = dict(param_scheduler=dict(
        backbone=[dict(type='CosineAnnealingLR', convert_to_iter_based=True)]))
    with pytest.raises(ValueError, match='CosineAnnealingLR'):
        hook.before_train(_sampler_runner(_head_loader(), cfg=per_optimizer))
    # Epoch-based steps are fine, and so is anything when the epochs are equally long.
    epochwise = dict(param_scheduler=dict(type='LinearLR', by_epoch=True, begin=0, end=2))
    hook.before_train(_sampler_runner(_head_loader(), cfg=epochwise))
    one_head = _sampler_runner(_head_loader(), optim_wrapper=accumulating, cfg=converted)
    HeadAlternationHook(head_order=('main', )).before_train(one_head)
    assert one_head.train_loop._max_iters == 2 * 2


def test_custom_batch_sampler_without_batch_size_is_refused():
    from torch.utils.data import BatchSampler
    sampler = HeadSubsetSampler(_HeadData(), seed=0)
    loader = DataLoader(_HeadData(), batch_sampler=BatchSampler(sampler, 2, drop_last=False))
    with pytest.raises(ValueError, match='train_dataloader.batch_size'):
        HeadAlternationHook().before_train(_sampler_runner(loader))
