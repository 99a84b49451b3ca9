"""tools/dist_train.sh, dist_test.sh (torchrun, 2 ranks, gloo on the CPU) and
the slurm scripts (through a fake ``srun`` that records its arguments)."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

from mmiic.testing import free_port, make_mnist

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
TOOLS = osp.join(ROOT, 'tools')


def _env(**extra):
    # `python` in the scripts must be this interpreter; PYTHONPATH keeps this checkout's mmiic.
    path = osp.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', '')
    return dict(os.environ, PATH=path, PYTHONPATH=ROOT, PORT=str(free_port()), **extra)


def _run(args, cwd, timeout=300, **env):
    proc = subprocess.run(args, cwd=cwd, env=_env(**env), capture_output=True, text=True,
                          timeout=timeout)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    return log


def _test_metrics(work_dir):
    """The metrics of the only tools/test.py run in ``work_dir`` (mmengine's json log)."""
    # <timestamp>.json; tools/test.py also writes cluster_mapping.json there.
    logs = [p for p in glob.glob(osp.join(work_dir, '*', '*.json'))
            if osp.basename(p) != 'cluster_mapping.json']
    assert len(logs) == 1, logs
    with open(logs[0]) as f:
        return {key: value for key, value in json.load(f).items() if '/' in key}  # not timings


def _train_then_compare_tests(config, opts, test_opts, tmp_path, train_log_has=()):
    """2-rank dist_train.sh; then dist_test.sh on 2 ranks vs test.py on 1."""
    work = str(tmp_path / 'train')
    log = _run(['bash', osp.join(TOOLS, 'dist_train.sh'), config, '2', '--work-dir', work,
                '--cfg-options', *opts], cwd=str(tmp_path))
    for text in ('Distributed training: True', 'GPU number: 2', *train_log_has):  # GPU: world size
        assert text in log, text
    checkpoints = glob.glob(osp.join(work, '*.pth'))
    assert len(checkpoints) == 1, checkpoints
    single = str(tmp_path / 'single')
    _run([sys.executable, osp.join(TOOLS, 'test.py'), config, checkpoints[0], '--work-dir',
          single, '--cfg-options', *opts, *test_opts], cwd=str(tmp_path))
    two = str(tmp_path / 'two')
    _run(['bash', osp.join(TOOLS, 'dist_test.sh'), config, checkpoints[0], '2', '--work-dir', two,
          '--cfg-options', *opts, *test_opts], cwd=str(tmp_path))
    expected, got = _test_metrics(single), _test_metrics(two)
    assert set(got) == set(expected)
    for key, value in expected.items():
        if value is None:  # a metric undefined on this tiny test set (NaN logged as null)
            assert got[key] is None, key
        else:
            assert got[key] == pytest.approx(value, rel=1e-6, abs=1e-6), key
    return expected


@pytest.mark.slow
@pytest.mark.dist
def test_clustering_trains_on_two_ranks_and_tests_exactly(tmp_path):
    # 13 images: the 2-rank train sampler pads to 14 (2 iterations of 4 per rank),
    # the test set is odd as well.
    data_root = make_mnist(str(tmp_path / 'mnist'), n_train=9, n_test=4)
    config = osp.join(ROOT, 'configs', 'iic', 'iic_vgg6c_mnist.py')
    loaders = ('train_dataloader', 'val_dataloader', 'test_dataloader')
    opts = [f'{key}.dataset.data_root={data_root}' for key in loaders]
    opts += [f'{key}.num_workers=0' for key in loaders]
    opts += [f'{key}.persistent_workers=False' for key in loaders]
    opts += ['train_dataloader.batch_size=4', 'train_cfg.max_epochs=1', 'train_cfg.val_interval=2',
             "model.backbone.arch=[4,'M',8,'M',8,'M']", 'model.head.in_channels=72',
             'model.head.num_subheads=3']
    metrics = _train_then_compare_tests(config, opts, ['test_dataloader.batch_size=2'], tmp_path,
                                        train_log_has=['Epoch(train) [1][2/2]'])
    assert 'cluster/acc' in metrics and 'cluster/loss_subhead2' in metrics


@pytest.mark.slow
@pytest.mark.dist
def test_segmentation_trains_on_two_ranks_and_tests_exactly(tmp_path):
    config = osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_mosaic_demo.py')
    opts = ['train_cfg.max_iters=2', 'train_cfg.val_interval=2', 'train_dataloader.batch_size=1',
            'train_dataloader.dataset.num_images=4', 'train_dataloader.dataset.size=48',
            'val_dataloader.dataset.num_images=3', 'val_dataloader.dataset.size=48',
            'test_dataloader.dataset.num_images=5', 'test_dataloader.dataset.size=48',
            'train_dataloader.persistent_workers=False', 'val_dataloader.num_workers=0',
            'val_dataloader.persistent_workers=False', 'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False']
    metrics = _train_then_compare_tests(config, opts, [], tmp_path)
    assert 'seg/acc' in metrics and 'seg/acc_many_to_one' not in metrics


FAKE_SRUN = '''#!/usr/bin/env bash
printf '%s\\n' "$@" > "$SRUN_LOG"
'''


@pytest.mark.parametrize('script', ['slurm_train.sh', 'slurm_test.sh'])
def test_slurm_scripts_hand_srun_the_job(script, tmp_path):
    srun = tmp_path / 'bin' / 'srun'
    srun.parent.mkdir()
    srun.write_text(FAKE_SRUN)
    srun.chmod(0o755)
    args = ['part', 'job', 'configs/iic/iic_vgg_cocostuff3.py']
    if script == 'slurm_test.sh':
        args.append('work_dirs/x/iter_80000.pth')
    args += ['--work-dir', 'work dir', '--cfg-options', 'a=1']
    log = tmp_path / 'srun_args.txt'
    proc = subprocess.run(
        ['bash', osp.join(TOOLS, script), *args], cwd=ROOT, capture_output=True, text=True,
        timeout=30, env=dict(os.environ, PATH=f'{srun.parent}{os.pathsep}{os.environ["PATH"]}',
                             SRUN_LOG=str(log), GPUS='16', GPUS_PER_NODE='8', CPUS_PER_TASK='3',
                             SRUN_ARGS='--quotatype=auto --time=1:00:00'))
    assert proc.returncode == 0, proc.stderr
    got = log.read_text().splitlines()
    tool = 'train.py' if script == 'slurm_train.sh' else 'test.py'
    assert got == [
        '-p', 'part', '--job-name=job', '--gres=gpu:8', '--ntasks=16', '--ntasks-per-node=8',
        '--cpus-per-task=3', '--kill-on-bad-exit=1', '--quotatype=auto', '--time=1:00:00',
        'python', '-u', osp.join(TOOLS, tool), *args[2:-4], '--launcher=slurm', '--work-dir',
        'work dir', '--cfg-options', 'a=1'
    ]
