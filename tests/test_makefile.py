"""The Makefile's test targets: `make test` runs every test, `make test-fast` the ones not marked
slow (pytest.ini's markers), both with PYTEST_ARGS (here --collect-only, so nothing runs twice)."""
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..'))


def _collected(target, *pytest_args):
    # -o setup: the environment is this one (tools/setup_env.sh is tested on its own)
    proc = subprocess.run(
        ['make', '-o', 'setup', target, f'PYTHON={sys.executable}',
         'PYTEST_ARGS=--collect-only -p no:cacheprovider ' + ' '.join(pytest_args)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return {line for line in proc.stdout.splitlines() if '::' in line}


@pytest.mark.slow
def test_test_fast_runs_all_but_the_slow_tests():
    everything = _collected('test')
    slow = _collected('test', '-m slow')
    fast = _collected('test-fast')
    assert slow and fast and slow <= everything
    assert fast == everything - slow
    this = 'tests/test_makefile.py::test_test_fast_runs_all_but_the_slow_tests'
    dist = 'tests/test_tools/test_dist_scripts.py::test_clustering_trains_on_two_ranks_and_tests_exactly'
    assert {this, dist} <= slow
    assert 'tests/test_makefile.py::test_makefile_has_a_fast_target_next_to_test' in fast
    assert len(everything) > 500


def test_makefile_has_a_fast_target_next_to_test():
    with open(osp.join(ROOT, 'Makefile')) as f:
        text = f.read()
    assert '\ntest: setup\n\t$(PYTHON) -m pytest tests -q $(PYTEST_ARGS)\n' in text
    assert '\ntest-fast: setup\n\t$(PYTHON) -m pytest tests -q -m "not slow" $(PYTEST_ARGS)\n' in text
