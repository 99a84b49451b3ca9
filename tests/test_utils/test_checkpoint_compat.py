"""Checkpoints load with weights_only=True: Runner checkpoints (clustering and
segmentation) load, resume and serve as load_from; crafted pickles are refused
before any of their code runs. The loaders are installed when asked (tools,
register_all_modules, init_model, the configs' CheckpointCheckHook), never by
``import mmiic``, and only on the mmengine they were written for."""
import functools
import http.server
import os
import os.path as osp
import pickle
import shutil
import subprocess
import sys
import threading

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.runner import Runner
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

import mmiic  # noqa: F401
from mmiic.testing import make_mnist
from mmiic.utils import (checkpoint_compat, load_from_http, load_from_local,
                         register_checkpoint_loader)

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


@pytest.fixture(scope='module', autouse=True)
def safe_loaders():
    assert register_checkpoint_loader()


def _mnist_cfg(tmp_path, work_dir):
    data_root = make_mnist(str(tmp_path / 'mnist'), n_train=6, n_test=2)
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'iic', 'iic_vgg6c_mnist.py'))
    cfg.model.backbone.arch = [4, 'M', 8, 'M', 8, 'M']
    cfg.model.head.in_channels = 8 * 3 * 3
    cfg.model.head.num_subheads = 1
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = data_root
        cfg[key].batch_size = 4
        cfg[key].num_workers = 0
        cfg[key].persistent_workers = False
    cfg.train_cfg.max_epochs = 1
    cfg.work_dir = str(work_dir)
    return cfg


def _mosaic_cfg(work_dir):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_mosaic_demo.py'))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.num_images = 1
        cfg[key].dataset.size = 32
        cfg[key].num_workers = 0
        cfg[key].persistent_workers = False
    cfg.train_dataloader.batch_size = 1
    cfg.train_cfg.max_iters = 2
    cfg.train_cfg.val_interval = 2
    cfg.default_hooks.checkpoint.interval = 2
    cfg.work_dir = str(work_dir)
    return cfg


@pytest.fixture(scope='module')
def mnist_checkpoint(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('ckpt')
    Runner.from_cfg(_mnist_cfg(tmp_path, tmp_path / 'work')).train()
    return str(tmp_path / 'work' / 'epoch_1.pth')


def test_loader_is_installed_for_plain_paths():
    assert CheckpointLoader._schemes[''] is load_from_local


@pytest.mark.parametrize('prefix', ['http://', 'https://', 'open-mmlab://', 'openmmlab://',
                                    'torchvision://', 'modelzoo://', 'mmcls://'])
def test_safe_loaders_are_installed_for_url_schemes(prefix):
    loader = CheckpointLoader._schemes[prefix]
    assert loader.__module__ == 'mmiic.utils.checkpoint_compat'


def test_another_mmengine_version_keeps_its_loaders_with_a_warning(monkeypatch):
    monkeypatch.setitem(CheckpointLoader._schemes, '', 'mmengine loader')
    monkeypatch.setattr(checkpoint_compat.mmengine, '__version__', '0.11.0')
    before = dict(CheckpointLoader._schemes)
    with pytest.warns(UserWarning, match=r'written for mmengine 0\.10\.x, found mmengine 0\.11\.0'):
        assert not register_checkpoint_loader()
    assert CheckpointLoader._schemes == before


# A fresh interpreter: what importing mmiic leaves in mmengine, and who installs the loaders.
FRESH_LOAD = """
import sys
from mmengine.runner.checkpoint import CheckpointLoader
import mmiic
from mmiic.utils.checkpoint_compat import SAFE_LOADERS
def installed():
    return all(CheckpointLoader._schemes[p] is f for p, f in SAFE_LOADERS.items())
assert not installed()
entry, config, checkpoint, work_dir = sys.argv[1:]
if entry == 'register_all_modules':
    from mmiic.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    assert installed()
    from mmengine.runner.checkpoint import _load_checkpoint
    assert 'message_hub' in _load_checkpoint(checkpoint, map_location='cpu')
elif entry == 'init_model':
    from mmiic.apis import init_model
    init_model(config, checkpoint, device='cpu')
    assert installed()
else:  # a Runner of an mmiic config, no tool: its CheckpointCheckHook installs them
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(config)
    cfg.load_from, cfg.work_dir = checkpoint, work_dir
    runner = Runner.from_cfg(cfg)
    assert not installed()
    assert 'cluster/acc' in runner.test()
    assert installed()
print('ok')
"""


@pytest.mark.slow
@pytest.mark.parametrize('entry', ['register_all_modules', 'init_model', 'runner'])
def test_loaders_come_with_the_entry_points_not_with_the_import(entry, mnist_checkpoint,
                                                                tmp_path):
    config = tmp_path / 'tiny.py'
    config.write_text(_mnist_cfg(tmp_path, tmp_path / 'unused').pretty_text)
    proc = subprocess.run(
        [sys.executable, '-c', FRESH_LOAD, entry, str(config), mnist_checkpoint,
         str(tmp_path / 'work')], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 0 and proc.stdout.strip().endswith('ok'), proc.stderr[-3000:]


@pytest.fixture
def http_root(tmp_path, monkeypatch):
    """Serve ``tmp_path / 'srv'`` on 127.0.0.1 (random port); torch.hub caches under tmp_path."""
    root = tmp_path / 'srv'
    root.mkdir()
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_runner_checkpoint_loads_with_its_message_hub(mnist_checkpoint):
    checkpoint = _load_checkpoint(mnist_checkpoint, map_location='cpu')
    assert set(checkpoint) >= {'meta', 'state_dict', 'message_hub', 'optimizer'}
    buffers = checkpoint['message_hub']['log_scalars']
    assert buffers and all(isinstance(b, HistoryBuffer) for b in buffers.values())
    loss = next(b for name, b in buffers.items() if 'loss' in name)
    assert loss.statistics('mean') == pytest.approx(float(loss.data[0].mean()))


def test_allowed_globals_do_not_leak_past_the_load(mnist_checkpoint):
    load_from_local(mnist_checkpoint)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(mnist_checkpoint, weights_only=True)


def test_load_from_restores_the_weights(mnist_checkpoint, tmp_path):
    cfg = _mnist_cfg(tmp_path, tmp_path / 'test')
    cfg.load_from = mnist_checkpoint
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    assert 'cluster/acc' in metrics
    saved = _load_checkpoint(mnist_checkpoint, map_location='cpu')['state_dict']
    for name, value in runner.model.state_dict().items():
        assert torch.equal(value, saved[name]), name


@pytest.mark.slow
def test_resume_continues_from_the_checkpoint(mnist_checkpoint, tmp_path):
    cfg = _mnist_cfg(tmp_path, tmp_path / 'resume')
    cfg.resume = True
    cfg.load_from = mnist_checkpoint
    cfg.train_cfg.max_epochs = 2
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.epoch == 2
    assert osp.isfile(tmp_path / 'resume' / 'epoch_2.pth')


@pytest.mark.slow
def test_segmentation_checkpoint_loads_and_tests(tmp_path):
    Runner.from_cfg(_mosaic_cfg(tmp_path / 'seg')).train()
    checkpoint = _load_checkpoint(str(tmp_path / 'seg' / 'iter_2.pth'), map_location='cpu')
    assert 'message_hub' in checkpoint
    cfg = _mosaic_cfg(tmp_path / 'seg_test')
    cfg.load_from = str(tmp_path / 'seg' / 'iter_2.pth')
    assert 'seg/acc' in Runner.from_cfg(cfg).test()


class _SystemPayload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


class _ExecPayload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').write('pwned')", )


class _GetattrPayload:
    """The first step of a gadget chain through an allowed class."""

    def __reduce__(self):
        return getattr, (HistoryBuffer, '__init__')


@pytest.mark.parametrize('payload', [_SystemPayload, _ExecPayload])
def test_crafted_checkpoint_is_refused_and_runs_nothing(payload, tmp_path):
    marker = str(tmp_path / 'created_by_the_payload')
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {'w': torch.zeros(1)}, 'meta': payload(marker)}, path)
    with pytest.raises(pickle.UnpicklingError):
        _load_checkpoint(path, map_location='cpu')
    assert not osp.exists(marker)


def test_crafted_url_checkpoint_is_refused_and_runs_nothing(http_root, tmp_path):
    root, url = http_root
    marker = str(tmp_path / 'created_by_the_payload')
    torch.save({'state_dict': {'w': torch.zeros(1)}, 'meta': _ExecPayload(marker)},
               str(root / 'evil.pth'))
    with pytest.raises(pickle.UnpicklingError):
        _load_checkpoint(f'{url}/evil.pth', map_location='cpu')
    assert not osp.exists(marker)
    # It was downloaded into TORCH_HOME, i.e. really fetched over HTTP.
    assert osp.isfile(tmp_path / 'torch_home' / 'hub' / 'checkpoints' / 'evil.pth')


def test_runner_checkpoint_loads_from_a_url(http_root, mnist_checkpoint):
    root, url = http_root
    shutil.copy(mnist_checkpoint, root / 'run.pth')
    ckpt = _load_checkpoint(f'{url}/run.pth', map_location='cpu')
    expected = torch.load(mnist_checkpoint, map_location='cpu', weights_only=False)
    assert ckpt['state_dict'].keys() == expected['state_dict'].keys()
    for key, value in expected['state_dict'].items():
        assert torch.equal(ckpt['state_dict'][key], value)
    assert isinstance(load_from_http(f'{url}/run.pth')['message_hub'], dict)


def test_crafted_checkpoint_is_refused_by_load_from(tmp_path):
    marker = str(tmp_path / 'created_by_the_payload')
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'meta': _ExecPayload(marker)}, path)
    cfg = _mnist_cfg(tmp_path, tmp_path / 'work')
    cfg.load_from = path
    with pytest.raises(pickle.UnpicklingError):
        Runner.from_cfg(cfg).test()
    assert not osp.exists(marker)


def test_getattr_is_limited_to_history_buffer_statistics(tmp_path):
    path = str(tmp_path / 'gadget.pth')
    torch.save({'state_dict': {}, 'meta': _GetattrPayload()}, path)
    with pytest.raises(pickle.UnpicklingError, match='refusing getattr'):
        _load_checkpoint(path, map_location='cpu')


class _TrustedExtra:
    """A type a user's own checkpoint may hold."""


def test_types_the_user_allows_still_load(tmp_path):
    path = str(tmp_path / 'extra.pth')
    torch.save({'state_dict': {}, 'meta': _TrustedExtra()}, path)
    with pytest.raises(pickle.UnpicklingError, match='_TrustedExtra'):
        _load_checkpoint(path, map_location='cpu')
    with torch.serialization.safe_globals([_TrustedExtra]):
        assert isinstance(_load_checkpoint(path, map_location='cpu')['meta'], _TrustedExtra)
