import os
from types import SimpleNamespace

import pytest
import torch
import torch.distributed as dist
from mmengine.logging import MessageHub
from mmengine.model import MMDistributedDataParallel

from mmiic.engine.hooks import HeadAlternationHook
from mmiic.models.classifiers import IICClassifier

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
