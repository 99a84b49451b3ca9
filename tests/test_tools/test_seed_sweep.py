"""tools/analysis_tools/seed_sweep.py: every seed trained, tested and reported, none chosen."""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
MOSAIC = osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_mosaic_demo.py')


def _load():
    path = osp.join(ROOT, 'tools', 'analysis_tools', 'seed_sweep.py')
    spec = importlib.util.spec_from_file_location('seed_sweep', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


seed_sweep = _load()
TINY = ['train_dataloader.dataset.num_images=4', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'test_dataloader.dataset.num_images=2',
        'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
        'custom_hooks.1.interval=1000', 'custom_hooks.2.interval=1000',
        'custom_hooks.3.interval=1000']


@pytest.mark.slow
def test_every_seed_is_reported_with_mean_and_spread(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv('PYTHONPATH', ROOT)  # the runs (subprocesses) use this checkout's mmiic
    work_dir = tmp_path / 'sweep'
    argv = [MOSAIC, '--seeds', '0', '1', '--max-iters', '3', '--work-dir', str(work_dir),
            '--cfg-options', *TINY]
    summary = seed_sweep.main(argv)
    report = json.loads((work_dir / 'seed_sweep.json').read_text())
    runs = report['runs']
    assert [r['seed'] for r in runs] == [0, 1] and report['seeds'] == [0, 1]
    acc = [r['metrics']['seg/acc'] for r in runs]
    assert summary['seg/acc']['mean'] == pytest.approx(np.mean(acc))
    assert summary['seg/acc']['std'] == pytest.approx(np.std(acc, ddof=1))
    assert summary['seg/acc']['min'] == min(acc) and summary['seg/acc']['max'] == max(acc)
    for run in runs:
        assert run['max_iters'] == 3 and run['train_seconds'] > 0
        # The demo's five main sub-heads are each tested, beside the model's own choice.
        assert sorted(map(int, run['per_subhead_metrics'])) == [0, 1, 2, 3, 4]
        chosen = run['per_subhead_metrics'][str(run['chosen_subhead'])]
        assert chosen['seg/acc'] == pytest.approx(run['metrics']['seg/acc'])
        history = np.load(osp.join(work_dir, f'seed_{run["seed"]}', 'train_history.npz'))
        assert len(history['train.loss']) == 3
    table = (work_dir / 'seed_sweep.md').read_text()
    assert f'mean ± std | {np.mean(acc):.2f} ± {np.std(acc, ddof=1):.2f}' in table
    assert '--seeds 0 1 --max-iters 3' in table and 'commit:' in table and 'machine:' in table
    assert (work_dir / 'seed_sweep.png').stat().st_size > 0
    # A rerun with the same arguments reuses the finished seeds; another config retrains.
    capsys.readouterr()
    assert seed_sweep.main(argv)['seg/acc'] == summary['seg/acc']
    assert capsys.readouterr().out.count('finished run reused') == 2
    assert seed_sweep.finished(seed_sweep.parse_args(argv[:-len(TINY)] + TINY[1:]), 0) is None


def test_config_without_a_test_set_is_refused(tmp_path):
    args = seed_sweep.parse_args([
        osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_folder_seg.py'), '--work-dir',
        str(tmp_path)])
    with pytest.raises(ValueError, match='has no test_dataloader'):
        seed_sweep.load_config(args, 0)
