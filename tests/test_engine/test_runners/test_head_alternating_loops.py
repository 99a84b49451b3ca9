"""The head-alternating train loops: schedule, per-head epochs, and what mmengine sizes from
the loop (max_iters, gradient accumulation, schedulers converted to iterations)."""
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
from mmengine.registry import HOOKS, PARAM_SCHEDULERS
from mmengine.runner import Runner
from torch.utils.data import BatchSampler, DataLoader

from mmiic.datasets import HeadSubsetSampler
from mmiic.engine.runners import (HeadAlternatingEpochBasedTrainLoop,
                                  HeadAlternatingIterBasedTrainLoop)
from mmiic.models.classifiers import IICClassifier
from mmiic.registry import LOOPS
from mmiic.testing import make_mnist, make_stl10

MODEL = dict(
    backbone=dict(type='mmiic.IICVGG', arch=[4, 'M'], in_channels=2),
    head=dict(type='mmiic.ClusterHeads', in_channels=4 * 4 * 4, num_classes=2, num_overclusters=4,
              num_subheads=1),
    data_preprocessor=dict(type='mmiic.IICDataPreprocessor', sobel='sobel', in_channels=1))
CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs', 'iic')


class _HeadData:
    """10 image pairs; 0..3 train the main head, all train the overclustering head."""

    def __len__(self):
        return 10

    def __getitem__(self, idx):
        rng = np.random.default_rng(idx)
        return dict(inputs=torch.from_numpy(rng.integers(0, 255, (2, 1, 8, 8), dtype=np.uint8)))

    def head_indices(self, head):
        return np.arange(4) if head == 'main' else np.arange(10)


def _fake_runner(model, param_schedulers=None):
    return SimpleNamespace(model=model, param_schedulers=param_schedulers,
                           message_hub=MessageHub.get_instance('test_head_alternating_loops'))


def _head_loader(**kwargs):
    return DataLoader(_HeadData(), batch_size=2, sampler=HeadSubsetSampler(_HeadData(), seed=0),
                      **kwargs)


def _plain_loader():
    return DataLoader(_HeadData(), batch_size=2)


def test_epoch_schedule_with_counts_and_order_reaches_model_and_registry():
    model = IICClassifier(**MODEL)
    loop = LOOPS.build(dict(type='mmiic.HeadAlternatingEpochBasedTrainLoop', max_epochs=6,
                            head_order=('overcluster', 'main'),
                            epochs_per_head=dict(overcluster=2, main=1)),
                       default_args=dict(runner=_fake_runner(model), dataloader=_plain_loader()))
    assert isinstance(loop, HeadAlternatingEpochBasedTrainLoop)
    seen = []
    for epoch in range(6):
        loop.switch_head(epoch)
        seen.append(model.cluster_heads.active_head)
    assert seen == ['overcluster', 'overcluster', 'main'] * 2
    assert loop.max_iters == 6 * 5  # no per-head sampler: every epoch iterates all 10 samples


def test_iteration_schedule_and_missing_head_is_skipped():
    model = IICClassifier(**dict(MODEL, head=dict(MODEL['head'], num_overclusters=None)))
    loop = HeadAlternatingIterBasedTrainLoop(_fake_runner(model), _plain_loader(), max_iters=4,
                                             interval=2)
    for it in range(4):
        loop.switch_head(it // loop.interval)
        assert model.cluster_heads.active_head == 'main'
    with pytest.raises(ValueError, match='not in head_order'):
        HeadAlternatingIterBasedTrainLoop(_fake_runner(model), _plain_loader(), max_iters=4,
                                          head_order=('main', ),
                                          intervals_per_head=dict(overcluster=1))
    with pytest.raises(ValueError, match='names none of the model heads'):
        HeadAlternatingEpochBasedTrainLoop(_fake_runner(model), _plain_loader(), max_epochs=1,
                                           head_order=('overcluster', ))


def test_a_model_without_cluster_heads_and_a_per_head_sampler_by_iteration_are_refused():
    with pytest.raises(TypeError, match='Linear has not'):
        HeadAlternatingEpochBasedTrainLoop(_fake_runner(torch.nn.Linear(2, 2)), _plain_loader(),
                                           max_epochs=1)
    with pytest.raises(ValueError, match='can only change between epochs'):
        HeadAlternatingIterBasedTrainLoop(_fake_runner(IICClassifier(**MODEL)), _head_loader(),
                                          max_iters=4)


@pytest.mark.dist
def test_switch_reaches_the_loss_through_ddp():
    os.environ.setdefault('MASTER_ADDR', '127.0.0.1')
    os.environ.setdefault('MASTER_PORT', '29533')
    created = not dist.is_initialized()
    if created:
        dist.init_process_group('gloo', rank=0, world_size=1)
    try:
        wrapped = MMDistributedDataParallel(module=IICClassifier(**MODEL))
        loop = HeadAlternatingEpochBasedTrainLoop(_fake_runner(wrapped), _plain_loader(),
                                                  max_epochs=2, head_order=('overcluster', 'main'))
        loop.switch_head(0)
        inputs = torch.randint(0, 255, (3, 2, 1, 8, 8), dtype=torch.uint8)
        data = wrapped.module.data_preprocessor(dict(inputs=inputs), True)
        assert set(wrapped(**data, mode='loss')) >= {'loss_overcluster'}
        loop.switch_head(1)
        losses = wrapped(**data, mode='loss')
        assert 'loss_main' in losses and 'loss_overcluster' not in losses
    finally:
        if created:
            dist.destroy_process_group()


def test_per_head_epoch_lengths_make_max_iters_with_any_batch_sampler():
    """Main-head epochs of 4 samples (2 batches of 2), overclustering epochs of 10 (5):
    counted from the loader itself, so a custom batch sampler (no batch_size) works too."""
    model = IICClassifier(**MODEL)
    loop = HeadAlternatingEpochBasedTrainLoop(_fake_runner(model), _head_loader(), max_epochs=3)
    assert loop.epoch_lengths == [2, 5, 2] and loop.max_iters == 9
    sampler = HeadSubsetSampler(_HeadData(), seed=0)
    custom = DataLoader(_HeadData(), batch_sampler=BatchSampler(sampler, 3, drop_last=True))
    loop = HeadAlternatingEpochBasedTrainLoop(_fake_runner(model), custom, max_epochs=2,
                                              head_order=('overcluster', 'main'))
    assert loop.epoch_lengths == [3, 1] and sampler.active_head == 'main'  # left as it was


@HOOKS.register_module(force=True)
class RecordStepsHook(Hook):
    """Per iteration: trained head, its samples, the learning rate and whether the
    backbone's weights changed."""

    steps = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self._before = [p.detach().clone() for p in runner.model.backbone.parameters()]
        self._lr = runner.optim_wrapper.get_lr()['lr'][0]

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        changed = any(not torch.equal(a, b)
                      for a, b in zip(self._before, runner.model.backbone.parameters()))
        self.steps.append(dict(head='main' if 'loss_main' in outputs else 'overcluster',
                               epoch=runner.epoch, lr=self._lr, stepped=changed))


def _train_on_head_data(tmp_path, max_epochs=2, **kwargs):
    RecordStepsHook.steps = []
    runner = Runner(
        model=dict(type='mmiic.IICClassifier', **MODEL), work_dir=str(tmp_path),
        train_dataloader=dict(dataset=_HeadData(), batch_size=2, num_workers=0,
                              sampler=dict(type='mmiic.HeadSubsetSampler', seed=0)),
        train_cfg=dict(type='mmiic.HeadAlternatingEpochBasedTrainLoop', max_epochs=max_epochs),
        default_hooks=dict(param_scheduler=dict(type='ParamSchedulerHook')),
        custom_hooks=[dict(type='RecordStepsHook')], default_scope='mmpretrain', **kwargs)
    runner.train()
    return runner, RecordStepsHook.steps


@pytest.mark.slow
def test_accumulative_counts_step_at_the_true_end(tmp_path):
    """7 iterations (2 main, 5 overclustering) with accumulation over 3: mmengine steps after
    iterations 3 and 6 and, sized from the loop's true max_iters, after the last one (sized
    from the first epoch, 4 iterations, it stepped after 3, 4 and 6, never after 7)."""
    runner, steps = _train_on_head_data(
        tmp_path, optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.5), accumulative_counts=3))
    assert runner.max_iters == runner.iter == 7
    assert [s['head'] for s in steps] == ['main'] * 2 + ['overcluster'] * 5
    assert [i + 1 for i, s in enumerate(steps) if s['stepped']] == [3, 6, 7]


def test_epoch_schedulers_converted_at_the_true_epoch_starts(tmp_path):
    """Schedulers given in epochs with convert_to_iter_based=True follow the epochs the loop
    runs (2 then 5 iterations): the same learning rates as the schedulers written by hand in
    iterations (begin/end/milestones at iterations 0, 7 and 2)."""
    in_epochs = [
        dict(type='LinearLR', start_factor=0.25, by_epoch=True, begin=0, end=2,
             convert_to_iter_based=True),
        dict(type='MultiStepLR', milestones=[1], gamma=0.1, by_epoch=True, begin=0, end=2,
             convert_to_iter_based=True),
        dict(type='CosineAnnealingLR', T_max=1, by_epoch=True, begin=1, end=2, eta_min=0.01,
             convert_to_iter_based=True),
    ]
    _, steps = _train_on_head_data(tmp_path, optim_wrapper=dict(optimizer=dict(type='SGD', lr=1.0)),
                                   param_scheduler=in_epochs)
    by_hand = [
        dict(type='LinearLR', start_factor=0.25, by_epoch=False, begin=0, end=7),
        dict(type='MultiStepLR', milestones=[2], gamma=0.1, by_epoch=False, begin=0, end=7),
        dict(type='CosineAnnealingLR', T_max=5, by_epoch=False, begin=2, end=7, eta_min=0.01),
    ]
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    wrapper = OptimWrapper(optimizer)
    schedulers = [PARAM_SCHEDULERS.build(cfg, default_args=dict(optimizer=wrapper))
                  for cfg in by_hand]
    expected = []
    for _ in range(7):
        expected.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
    np.testing.assert_allclose([s['lr'] for s in steps], expected, rtol=1e-12)
    assert steps[2]['lr'] < 0.2 * steps[1]['lr']  # the milestone at epoch 1's first iteration


def test_a_period_in_epochs_is_refused_when_epochs_differ(tmp_path):
    model = IICClassifier(**MODEL)
    step = [dict(type='StepLR', step_size=1, by_epoch=True, convert_to_iter_based=True)]
    with pytest.raises(ValueError, match=r"StepLR gives \['step_size'\] in epochs"):
        HeadAlternatingEpochBasedTrainLoop(_fake_runner(model, step), _head_loader(), max_epochs=2)
    # Per epoch (not converted), in iterations, or with equally long epochs: left to mmengine.
    kept = [dict(type='StepLR', step_size=1, by_epoch=True),
            dict(type='LinearLR', by_epoch=False, begin=0, end=3)]
    runner = _fake_runner(model, dict(backbone=kept))
    HeadAlternatingEpochBasedTrainLoop(runner, _head_loader(), max_epochs=2)
    assert runner.param_schedulers == dict(backbone=kept)
    runner = _fake_runner(model, step)
    HeadAlternatingEpochBasedTrainLoop(runner, _plain_loader(), max_epochs=2)
    assert runner.param_schedulers is step


def test_head_alternation_hook_names_its_replacement():
    with pytest.raises(ValueError, match="replaced by a train loop.*HeadAlternatingEpochBased"):
        HOOKS.build(dict(type='mmiic.HeadAlternationHook', head_order=('main', )))


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
def test_iteration_based_config_alternates_blocks_of_iterations(tmp_path):
    cfg = _tiny_cls_cfg('iic_vgg6c_mnist.py', tmp_path, make_mnist(str(tmp_path / 'mnist'), 8, 4))
    cfg.model.backbone.arch = [4, 'M', 8, 'M', 8, 'M']
    cfg.model.head.update(in_channels=8 * 3 * 3, num_subheads=1)
    cfg.train_dataloader.batch_size = 2
    cfg.train_dataloader.sampler = dict(type='InfiniteSampler', shuffle=True)
    cfg.train_cfg = dict(type='mmiic.HeadAlternatingIterBasedTrainLoop', max_iters=8,
                         val_interval=100, head_order=('overcluster', 'main'), interval=2)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False, interval=100)
    cfg.log_processor = dict(by_epoch=False)
    RecordTrainedHeadHook.steps = []
    Runner.from_cfg(cfg).train()
    assert [s['head'] for s in RecordTrainedHeadHook.steps] == (['overcluster'] * 2
                                                                + ['main'] * 2) * 2


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
    # The schedule trains overcluster, main, overcluster.
    assert {s['head'] for s in per_epoch[0] + per_epoch[2]} == {'overcluster'}
    assert {s['head'] for s in per_epoch[1]} == {'main'}
    main_steps = per_epoch[1]
    assert len(main_steps) == 2 and all(s['size'] == 4 and all(s['main']) for s in main_steps)
    assert sorted(i for s in main_steps for i in s['idx']) == list(range(8))  # each labelled once
    over = sorted(i for s in per_epoch[0] for i in s['idx'])
    assert over == list(range(20)) and len(per_epoch[0]) == 5
    assert runner.iter == runner.max_iters == 5 + 2 + 5  # progress and ETA count true epochs
