"""tools/analysis_tools/analyze_logs.py on the json scalar log of a real (tiny) run."""
import glob
import os.path as osp
import uuid

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from mmiic.testing import MOSAIC_CONFIG, load_tool, parse_cfg_options, tiny_mosaic_options

tool = load_tool('tools/analysis_tools/analyze_logs.py')


@pytest.fixture(scope='module')
def json_log(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('logs')
    cfg = Config.fromfile(MOSAIC_CONFIG)
    cfg.merge_from_dict(parse_cfg_options(tiny_mosaic_options()))
    cfg.default_hooks.logger.interval = 1
    cfg.work_dir = str(work_dir)
    # A visualizer of the same name made by an earlier runner in this process
    # would be reused, writing the scalars into that runner's directory.
    cfg.visualizer.name = f'analyze_logs_{uuid.uuid4().hex}'
    Runner.from_cfg(cfg).train()
    logs = glob.glob(osp.join(str(work_dir), '*', 'vis_data', 'scalars.json'))
    assert len(logs) == 1
    return logs[0]


def test_log_splits_into_train_and_val_records(json_log):
    log = tool.load_json_log(json_log)
    assert [r['step'] for r in log['train']] == [1, 2]
    assert len(log['val']) == 1 and 'seg/acc' in log['val'][0]
    # The demo trains the overclustering head first (its first 20 iterations).
    assert 'loss_overcluster' in tool.available_keys(log)['train']
    # ClusterMassHook's scalars are neither training nor validation records.
    assert log['hooks'] and all(any(k.startswith('cluster_mass/') for k in r) for r in log['hooks'])


def test_plot_curve_writes_the_figure(json_log, tmp_path):
    out = str(tmp_path / 'curves.png')
    tool.main(['plot_curve', json_log, '--keys', 'loss_overcluster', 'seg/acc', '--out', out,
               '--title', 'tiny'])
    assert osp.getsize(out) > 1000


def test_unknown_key_names_the_available_ones(json_log, tmp_path):
    with pytest.raises(ValueError, match="no key 'acc'.*seg/acc"):
        tool.main(['plot_curve', json_log, '--keys', 'acc', '--out', str(tmp_path / 'x.png')])


def test_cal_train_time_is_the_mean_of_the_logged_times(json_log):
    log = tool.load_json_log(json_log)
    times = [r['time'] for r in log['train']]
    assert tool.main(['cal_train_time', json_log]) == [pytest.approx(times[1])]
    assert tool.main(['cal_train_time', json_log, '--include-outliers']) == [
        pytest.approx(sum(times) / 2)]


def test_bad_log_line_is_named(tmp_path):
    path = tmp_path / 'broken.json'
    path.write_text('{"lr": 0.1, "step": 1}\nnot json\n')
    with pytest.raises(ValueError, match='broken.json:2'):
        tool.load_json_log(str(path))
