"""The CPU-aware ``pytorch`` launcher that ``import mmiic`` installs in mmengine."""
import mmengine.dist.utils as dist_utils
import torch

from mmiic.utils import dist_compat, register_cpu_dist_launcher


def test_installed_once_in_place_of_mmengines_function():
    installed = dist_utils._init_dist_pytorch
    assert hasattr(installed, 'mmiic_wraps')
    register_cpu_dist_launcher()
    assert dist_utils._init_dist_pytorch is installed


def test_gloo_without_cuda_and_mmengine_unchanged_with_it(monkeypatch):
    calls = []
    launcher = dist_compat._wrap_init_dist_pytorch(
        lambda backend, init_backend='torch', **kw: calls.append(('mmengine', backend, kw)))
    monkeypatch.setattr(dist_compat.torch_dist, 'init_process_group',
                        lambda backend, **kw: calls.append(('torch', backend, kw)))

    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(torch.cuda, 'set_device', lambda i: calls.append(('set_device', i)))
    launcher('nccl', timeout=5)
    assert calls == [('torch', 'gloo', dict(timeout=5))]  # no set_device

    calls.clear()
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    launcher('nccl', timeout=5)
    assert calls == [('mmengine', 'nccl', dict(timeout=5))]
