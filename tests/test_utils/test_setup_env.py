"""register_all_modules(): every module importable, default scope 'mmiic' (fresh interpreters,
because the default scope is process-wide)."""
import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=ROOT), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.slow
def test_register_all_modules_sets_the_mmiic_scope_and_unprefixed_names_build():
    out = _run(
        'from mmengine.registry import DefaultScope, HOOKS, METRICS, MODELS, TRANSFORMS\n'
        'from mmiic.utils import register_all_modules\n'
        'register_all_modules()\n'
        'print(DefaultScope.get_current_instance().scope_name)\n'
        "print(type(MODELS.build(dict(type='IICLoss'))).__module__)\n"
        "print(type(HOOKS.build(dict(type='ChosenSubheadHook'))).__module__)\n"
        "print(type(METRICS.build(dict(type='ClusterMetric', num_classes=2))).__module__)\n"
        "print(type(TRANSFORMS.build(dict(type='IICRandomRotation'))).__module__)\n")
    lines = out.split()
    assert lines[0] == 'mmiic'
    assert lines[1].startswith('mmiic.models.losses')
    assert lines[2].startswith('mmiic.engine.hooks')
    assert lines[3].startswith('mmiic.evaluation.metrics')
    assert lines[4].startswith('mmiic.datasets.transforms')


@pytest.mark.slow
def test_register_all_modules_without_scope_keeps_the_current_one():
    out = _run('from mmengine.registry import DefaultScope\n'
               "DefaultScope.get_instance('seg', scope_name='mmseg')\n"
               'from mmiic.utils import register_all_modules\n'
               'register_all_modules(init_default_scope=False)\n'
               'print(DefaultScope.get_current_instance().scope_name)\n'
               'from mmiic.registry import METRICS\n'
               "print('SegClusterMetric' in METRICS.module_dict)\n")
    assert out.split() == ['mmseg', 'True']


@pytest.mark.slow
def test_register_all_modules_switches_back_from_another_scope_with_a_warning():
    out = _run('import warnings\n'
               'from mmengine.registry import DefaultScope\n'
               'from mmiic.utils import register_all_modules\n'
               'register_all_modules()\n'
               "DefaultScope.get_instance('seg', scope_name='mmseg')\n"
               'with warnings.catch_warnings(record=True) as caught:\n'
               "    warnings.simplefilter('always')\n"
               '    register_all_modules()\n'
               'print(DefaultScope.get_current_instance().scope_name)\n'
               "print(any('is not \"mmiic\"' in str(w.message) for w in caught))\n")
    assert out.split() == ['mmiic', 'True']
