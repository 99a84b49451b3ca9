"""``import mmiic``, and of every module of it, changes nothing in mmengine (fresh interpreter):
no module attribute rebound, no checkpoint loader replaced."""
import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..'))

SCRIPT = '''
import importlib, pkgutil, sys
import mmengine.dist.utils as dist_utils
import mmengine.runner  # noqa: F401  most of mmengine
from mmengine.runner.checkpoint import CheckpointLoader

def attributes():
    return {(name, key): value for name, module in list(sys.modules.items())
            if name.split('.')[0] == 'mmengine' for key, value in list(vars(module).items())}

before, schemes = attributes(), dict(CheckpointLoader._schemes)
launcher = dist_utils._init_dist_pytorch
import mmiic
modules = [m.name for m in pkgutil.walk_packages(mmiic.__path__, 'mmiic.')]
for name in modules:
    importlib.import_module(name)
after = attributes()
rebound = sorted(f'{name}.{key}' for (name, key), value in before.items()
                 if after.get((name, key), value) is not value)
assert not rebound, rebound
assert CheckpointLoader._schemes == schemes, 'checkpoint loaders replaced'
assert dist_utils._init_dist_pytorch is launcher
print(len(modules))
'''


@pytest.mark.slow
def test_importing_every_mmiic_module_leaves_mmengine_as_it_was():
    proc = subprocess.run([sys.executable, '-c', SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert int(proc.stdout.split()[-1]) > 50  # every module was imported
