"""IICLoggerHook: the test metrics JSON is written by the main process only."""
import json
import os.path as osp
from types import SimpleNamespace

import pytest

from mmiic.engine.hooks import IICLoggerHook


class FakeLogProcessor:

    def get_log_after_epoch(self, runner, length, mode, with_non_scalar=False):
        return {'cluster/acc': 50.0, 'time': 0.1}, 'Iter(test) done'


def fake_runner(tmp_path):
    logged = []
    return SimpleNamespace(log_processor=FakeLogProcessor(), test_dataloader=[0, 1],
                           log_dir=str(tmp_path),
                           logger=SimpleNamespace(info=logged.append)), logged


@pytest.mark.parametrize('main', [True, False])
def test_only_the_main_process_writes_the_test_metrics(tmp_path, monkeypatch, main):
    monkeypatch.setattr('mmiic.engine.hooks.logger_hook.is_main_process', lambda: main)
    hook = IICLoggerHook()
    hook.json_log_path = 'run.json'
    runner, logged = fake_runner(tmp_path)
    hook.after_test_epoch(runner)
    assert logged == ['Iter(test) done']  # every rank still logs the line
    path = osp.join(str(tmp_path), 'run.json')
    assert osp.isfile(path) == main
    if main:
        with open(path) as f:
            assert json.load(f) == {'cluster/acc': 50.0, 'time': 0.1}


def test_default_runtimes_use_it():
    from mmengine.config import Config
    root = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs', '_base_')
    for name in ('default_runtime_cls.py', 'default_runtime_seg.py'):
        cfg = Config.fromfile(osp.join(root, name))
        assert cfg.default_hooks.logger.type == 'mmiic.IICLoggerHook'
