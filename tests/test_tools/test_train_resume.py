"""Training through tools/train.py, a crash mid-epoch, and an exact --resume."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from mmengine.runner import Runner

import mmiic  # noqa: F401
from mmiic.testing import make_mnist

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIG = osp.join(ROOT, 'configs', 'iic', 'iic_vgg6c_mnist.py')


@HOOKS.register_module(force=True)
class CrashAtIterHook(Hook):
    """Simulates a crash (e.g. a killed job) at a given global iteration."""

    def __init__(self, at_iter: int) -> None:
        self.at_iter = at_iter

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.at_iter:
            raise KeyboardInterrupt(f'simulated crash at iteration {runner.iter}')


@HOOKS.register_module(force=True)
class RecordViewsHook(Hook):
    """Keeps a fingerprint of every training batch's views, per work dir."""

    seen = {}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        inputs = torch.stack(list(data_batch['inputs'])).double()
        self.seen.setdefault(runner.work_dir, {})[runner.iter] = (
            inputs.sum().item(), (inputs * torch.arange(inputs.numel()).view_as(inputs)).sum().item())


def _cfg(tmp_path, work_dir, data_root):
    """The shipped MNIST config, shrunk in size only: its data loaders keep
    num_workers=2 and persistent_workers=True."""
    cfg = Config.fromfile(CONFIG)
    cfg.model.backbone.arch = [4, 'M', 8, 'M', 8, 'M']
    cfg.model.head.in_channels = 8 * 3 * 3
    cfg.model.head.num_subheads = 2
    for key in ('train_dataloader', 'val_dataloader'):
        cfg[key].dataset.data_root = data_root
        cfg[key].batch_size = 4
    assert cfg.train_dataloader.num_workers >= 1 and cfg.train_dataloader.persistent_workers
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_cfg.max_epochs = 3
    cfg.train_cfg.val_interval = 3
    cfg.custom_hooks = cfg.custom_hooks + [dict(type='RecordViewsHook')]
    cfg.work_dir = str(work_dir)
    return cfg


@pytest.mark.slow
def test_crash_mid_epoch_then_resume_matches_uninterrupted_run(tmp_path):
    data_root = make_mnist(str(tmp_path / 'mnist'), n_train=12, n_test=4)  # 4 iters/epoch
    full = Runner.from_cfg(_cfg(tmp_path, tmp_path / 'full', data_root))
    full.train()
    expected = full.val_loop.run()

    crash_cfg = _cfg(tmp_path, tmp_path / 'crash', data_root)
    crash_cfg.custom_hooks = crash_cfg.custom_hooks + [dict(type='CrashAtIterHook', at_iter=6)]
    with pytest.raises(KeyboardInterrupt):
        Runner.from_cfg(crash_cfg).train()
    assert osp.isfile(tmp_path / 'crash' / 'epoch_1.pth')
    assert not osp.isfile(tmp_path / 'crash' / 'epoch_2.pth')

    resume_cfg = _cfg(tmp_path, tmp_path / 'crash', data_root)
    resume_cfg.resume = True
    resumed = Runner.from_cfg(resume_cfg)
    resumed.train()
    assert resumed.iter == 12
    # Epochs 2 and 3 (iterations 4..11) drew the same views in both runs, although
    # the resumed run's persistent workers started afresh at epoch 2.
    views = RecordViewsHook.seen
    assert [views[str(tmp_path / 'crash')][i] for i in range(4, 12)] == [
        views[str(tmp_path / 'full')][i] for i in range(4, 12)]
    assert views[str(tmp_path / 'full')][4] != views[str(tmp_path / 'full')][0]  # epochs differ
    got = resumed.val_loop.run()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-9), key
    for name, param in full.model.state_dict().items():
        assert (param == resumed.model.state_dict()[name]).all(), name


def _seg_cfg(work_dir):
    """The shipped iteration-based mosaic demo config (persistent workers), shrunk."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_mosaic_demo.py'))
    assert cfg.train_dataloader.num_workers >= 1 and cfg.train_dataloader.persistent_workers
    cfg.train_dataloader.batch_size = 2
    cfg.train_dataloader.dataset.update(num_images=4, size=48)
    cfg.val_dataloader.dataset.update(num_images=1, size=48)
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_cfg.update(max_iters=4, val_interval=100)
    cfg.default_hooks.checkpoint.interval = 2
    cfg.custom_hooks = cfg.custom_hooks + [dict(type='RecordViewsHook')]
    cfg.work_dir = str(work_dir)
    return cfg


@pytest.mark.slow
def test_iteration_based_resume_with_persistent_workers_is_exact(tmp_path):
    """Iteration-based configs resume by mmengine's replay of the data stream."""
    full = Runner.from_cfg(_seg_cfg(tmp_path / 'full'))
    full.train()
    crash_cfg = _seg_cfg(tmp_path / 'crash')
    crash_cfg.custom_hooks = crash_cfg.custom_hooks + [dict(type='CrashAtIterHook', at_iter=3)]
    with pytest.raises(KeyboardInterrupt):
        Runner.from_cfg(crash_cfg).train()
    resume_cfg = _seg_cfg(tmp_path / 'crash')
    resume_cfg.resume = True
    resumed = Runner.from_cfg(resume_cfg)
    resumed.train()
    assert resumed.iter == 4
    views = RecordViewsHook.seen
    assert [views[str(tmp_path / 'crash')][i] for i in range(2, 4)] == [
        views[str(tmp_path / 'full')][i] for i in range(2, 4)]
    for name, param in full.model.state_dict().items():
        assert (param == resumed.model.state_dict()[name]).all(), name


@pytest.mark.slow
def test_cli_trains_resumes_and_tests(tmp_path):
    data_root = make_mnist(str(tmp_path / 'mnist'), n_train=6, n_test=2)
    work_dir = str(tmp_path / 'work')
    opts = [
        '--cfg-options', f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}', 'train_dataloader.batch_size=4',
        'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
        'test_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
        'val_dataloader.persistent_workers=False', 'test_dataloader.persistent_workers=False',
        "model.backbone.arch=[4,'M',8,'M',8,'M']", 'model.head.in_channels=72',
        'model.head.num_subheads=1'
    ]
    env = dict(os.environ, PYTHONPATH=ROOT)

    def run(*args):
        proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return proc.stdout + proc.stderr

    run('tools/train.py', CONFIG, '--work-dir', work_dir, *opts, 'train_cfg.max_epochs=1')
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
    log = run('tools/train.py', CONFIG, '--work-dir', work_dir, '--resume', *opts,
              'train_cfg.max_epochs=2')
    assert 'resumed epoch: 1' in log
    assert osp.isfile(osp.join(work_dir, 'epoch_2.pth'))
    log = run('tools/test.py', CONFIG, osp.join(work_dir, 'epoch_2.pth'), '--work-dir', work_dir,
              *opts)
    assert 'cluster/acc' in log


@pytest.mark.slow
def test_cli_trains_a_segmentation_config(tmp_path):
    """tools/train.py in the mmseg scope (the mosaic demo config, 2 iterations)."""
    config = osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_mosaic_demo.py')
    work_dir = str(tmp_path / 'seg')
    opts = ['--cfg-options', 'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
            'train_dataloader.dataset.num_images=2', 'train_dataloader.dataset.size=48',
            'val_dataloader.dataset.num_images=1', 'val_dataloader.dataset.size=48',
            'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False', 'val_dataloader.persistent_workers=False']
    proc = subprocess.run([sys.executable, 'tools/train.py', config, '--work-dir', work_dir, *opts],
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'seg/acc' in proc.stdout + proc.stderr
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))
