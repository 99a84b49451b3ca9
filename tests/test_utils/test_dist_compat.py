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


SHUTDOWN_SCRIPT = '''
import os, sys
import torch.distributed as dist
from mmiic.utils import shutdown_distributed

def gloo_threads():
    names = [open(f"/proc/self/task/{t}/comm").read().strip() for t in os.listdir("/proc/self/task")]
    return sum(name.startswith("pt_gloo") for name in names)

dist.init_process_group("gloo", init_method="tcp://127.0.0.1:" + sys.argv[1], rank=0, world_size=1)
class Runner:  # holds the group in a reference cycle, as mmengine's finished runner does
    pass
runner = Runner()
runner.group, runner.self = dist.group.WORLD, runner
dist.broadcast_object_list([1])
del runner
before = gloo_threads()
shutdown_distributed()
print(before, gloo_threads(), dist.is_initialized())
'''


def test_shutdown_frees_a_gloo_group_that_a_reference_cycle_holds(tmp_path):
    """Left alive into interpreter exit, the group's threads can abort the rank
    (tools/dist_test.sh failed 4 of 20 runs before; its threads must be gone)."""
    import subprocess
    import sys

    from mmiic.testing import free_port
    script = tmp_path / 'shutdown.py'
    script.write_text(SHUTDOWN_SCRIPT)
    proc = subprocess.run([sys.executable, str(script), str(free_port())], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    before, after, initialised = proc.stdout.split()
    assert int(before) > 0 and int(after) == 0 and initialised == 'False', proc.stdout
