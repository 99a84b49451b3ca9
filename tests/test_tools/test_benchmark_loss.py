"""tools/analysis_tools/benchmark_loss.py times and cross-checks the loss paths."""
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


@pytest.mark.slow
def test_benchmark_loss_prints_checked_rows():
    tool = osp.join(ROOT, 'tools', 'analysis_tools', 'benchmark_loss.py')
    proc = subprocess.run([sys.executable, tool, '--ks', '2', '5', '--sizes', '12', '--batch', '1',
                           '--displacement', '2', '--repeats', '1', '--threads', '1'],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert ', cpu,' in proc.stdout  # no GPU here: the default device is the CPU
    rows = [line for line in proc.stdout.splitlines() if line.startswith('| 2 |') or
            line.startswith('| 5 |')]
    assert len(rows) == 2
    assert 'values checked equal' in proc.stdout
