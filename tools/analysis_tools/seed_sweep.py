"""Train one config over several seeds and report every seed, their mean and spread.

Each seed is trained from scratch, one after another, each in its own
process (``randomness.seed`` set to the seed: weights, data order and views),
then tested once with the config's test loop, as the demos do. Nothing is
chosen across seeds: the report lists every seed and the mean ± sample
standard deviation, min and max of each metric, so a reported number is never
the best of several runs. Training runs without the validation loop unless
``--validate`` is given (an iteration-based loop validates at its last
iteration otherwise, which would only repeat the test).

Segmentation models with several main sub-heads are tested once per sub-head
too; those per-sub-head numbers are reported beside the headline, which is
always the sub-head the model itself predicts with (chosen without labels).

Writes to ``--work-dir``:

* ``seed_<s>/`` each run (logs, checkpoint, ``result.json``); a rerun with
  the same config and arguments reuses finished seeds;
* ``seed_sweep.md``: one row per seed (metrics, training seconds), then mean
  ± std, min, max; the command that reproduces it, the commit and the machine;
* ``seed_sweep.json``: the same numbers;
* ``seed_sweep.png``: each metric's per-seed values with their mean ± std.

Usage::

    python tools/analysis_tools/seed_sweep.py configs/iic/iic_minivgg_mosaic_demo.py \\
        --seeds 0 1 2 3 4 --work-dir work_dirs/seed_sweep_mosaic
"""
import argparse
import datetime
import hashlib
import json
import math
import os
import os.path as osp
import platform
import shlex
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
#: Metrics shown in the table, per model kind (all numeric test metrics are kept in the JSON).
HEADLINE = {'seg': ('seg/acc', 'seg/miou', 'seg/nmi', 'seg/ari'),
            'cls': ('cluster/acc', 'cluster/nmi', 'cluster/ari')}


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file (image clustering or segmentation)')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2, 3, 4],
                        help='seeds, trained one after another (default 0 1 2 3 4)')
    parser.add_argument('--work-dir', required=True, help='folder of the runs and the report')
    parser.add_argument('--max-iters', type=int, help="override the config's max_iters")
    parser.add_argument('--validate', action='store_true',
                        help='keep the validation loop during training (off by default)')
    parser.add_argument('--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
                        help='overrides of every run, as in tools/train.py (variables such as '
                        'data_root reach what the config computes from them)')
    parser.add_argument('--run-one', type=int, metavar='SEED', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if len(set(args.seeds)) != len(args.seeds):
        parser.error(f'--seeds must differ, got {args.seeds}')
    if args.max_iters is not None and args.max_iters < 1:
        parser.error(f'--max-iters must be >= 1, got {args.max_iters}')
    return args


def load_config(args: argparse.Namespace, seed: int):
    """The config of one seed's run: overrides, seed, work dir, no validation."""
    from mmengine.config import DictAction

    from mmiic.utils import load_config as load_with_options
    options = {}
    for item in args.cfg_options:
        key, value = item.split('=', 1)
        options[key] = DictAction._parse_iterable(value)
    # Variables (num_clusters, data_root, ...) reach what the config computes from them.
    cfg = load_with_options(args.config, options)
    if args.max_iters:
        cfg.train_cfg.max_iters = args.max_iters
    cfg.randomness = dict(cfg.get('randomness', {}), seed=seed)
    cfg.work_dir = seed_dir(args.work_dir, seed)
    if not args.validate:
        cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    if cfg.get('test_dataloader') is None:
        raise ValueError(f'{args.config} has no test_dataloader: seed_sweep.py reports test '
                         'metrics, add a test set with labels (README: Train on your own images)')
    return cfg


def seed_dir(work_dir: str, seed: int) -> str:
    return osp.join(work_dir, f'seed_{seed}')


def config_digest(args: argparse.Namespace, seed: int) -> str:
    """What a finished run must match to be reused: the whole config after overrides."""
    return hashlib.sha1(load_config(args, seed).pretty_text.encode()).hexdigest()


def _numeric(metrics: Dict) -> Dict[str, float]:
    return {k: float(v) for k, v in metrics.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)}


def run_one(args: argparse.Namespace, seed: int) -> dict:
    """Train and test one seed in this process; writes and returns its result."""
    import torch
    from mmengine.runner import Runner

    import mmiic  # noqa: F401  registers modules
    from mmiic.models.wrappers import unwrap_model
    from mmiic.utils import device_summary

    cfg = load_config(args, seed)
    # All cores, as the demos; OMP_NUM_THREADS caps it when several sweeps share a machine.
    torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS') or os.cpu_count() or 1))
    runner = Runner.from_cfg(cfg)
    print(f'[seed-sweep] seed {seed}: training on {device_summary()}', flush=True)
    start = time.time()
    runner.train()
    train_seconds = time.time() - start
    model = unwrap_model(runner.model)
    heads = model.cluster_heads
    chosen = heads.test_subhead
    metrics = _numeric(runner.test())
    kind = 'seg' if hasattr(model, 'decode_head') else 'cls'
    per_subhead = {}
    if kind == 'seg' and heads.num_subheads > 1:
        # Reported beside the headline only: the model keeps its own choice.
        for index in range(heads.num_subheads):
            heads.test_subhead = index
            per_subhead[index] = _numeric(runner.test())
        heads.test_subhead = chosen
    save_train_history(runner.message_hub, osp.join(cfg.work_dir, 'train_history.npz'))
    result = dict(seed=seed, kind=kind, train_seconds=round(train_seconds, 1),
                  chosen_subhead=chosen, metrics=metrics,
                  per_subhead_metrics=per_subhead, digest=config_digest(args, seed),
                  max_iters=cfg.train_cfg.get('max_iters'), device=device_summary())
    with open(osp.join(seed_dir(args.work_dir, seed), 'result.json'), 'w') as f:
        json.dump(result, f, indent=2)
    return result


def save_train_history(message_hub, path: str) -> None:
    """Every logged training scalar, one value per iteration it was logged at
    (losses of each head's sub-heads, cluster masses, learning rate), for
    looking at a run's course after the fact."""
    import numpy as np
    arrays = {}
    for key, buffer in message_hub.log_scalars.items():
        values, _ = buffer.data
        if len(values) and not key.startswith(('val/', 'test/')):
            arrays[key.replace('/', '.')] = np.asarray(values, dtype=np.float64)
    np.savez_compressed(path, **arrays)


def finished(args: argparse.Namespace, seed: int) -> Optional[dict]:
    path = osp.join(seed_dir(args.work_dir, seed), 'result.json')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        result = json.load(f)
    return result if result.get('digest') == config_digest(args, seed) else None


def summarise(values: Sequence[float]) -> dict:
    """Mean, sample standard deviation (0 for one value), min and max."""
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return dict(mean=mean, std=std, min=min(values), max=max(values), n=n)


def git_commit() -> str:
    try:
        head = subprocess.run(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(['git', '-C', ROOT, 'status', '--porcelain', '--untracked-files=no'],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return 'unknown (not a git checkout)'
    return head + (' (with uncommitted changes)' if dirty else '')


def machine() -> str:
    import torch
    device = (torch.cuda.get_device_name() if torch.cuda.is_available() else
              f'CPU only, {os.cpu_count()} cores ({platform.processor() or platform.machine()})')
    return f'{device}; torch {torch.__version__}; Python {platform.python_version()}'


def report(args: argparse.Namespace, results: List[dict], command: str) -> dict:
    """Write seed_sweep.md / .json / .png; returns the summary."""
    kind = results[0]['kind']
    names = [m for m in HEADLINE[kind] if all(m in r['metrics'] for r in results)]
    names = names or sorted(set.intersection(*(set(r['metrics']) for r in results)))
    summary = {m: summarise([r['metrics'][m] for r in results]) for m in names}
    summary['train_seconds'] = summarise([r['train_seconds'] for r in results])
    info = dict(config=args.config, command=command, commit=git_commit(), machine=machine(),
                date=datetime.datetime.now().isoformat(timespec='seconds'),
                seeds=[r['seed'] for r in results])
    with open(osp.join(args.work_dir, 'seed_sweep.json'), 'w') as f:
        json.dump(dict(info, summary=summary, runs=results), f, indent=2)
    columns = names + ['train_seconds']
    lines = [f'# Seed sweep of `{args.config}`', '',
             f'- command: `{command}`', f'- commit: {info["commit"]}',
             f'- machine: {info["machine"]}', f'- date: {info["date"]}',
             '- every seed is listed; none is selected (no best-of-N)', '',
             '| seed | ' + ' | '.join(columns) + ' | predicting sub-head |',
             '|---|' + '---|' * (len(columns) + 1)]
    for r in results:
        values = [r['metrics'][m] for m in names] + [r['train_seconds']]
        lines.append(f'| {r["seed"]} | ' + ' | '.join(f'{v:.2f}' for v in values)
                     + f' | {r["chosen_subhead"]} |')
    lines.append('| mean ± std | ' + ' | '.join(
        f'{summary[c]["mean"]:.2f} ± {summary[c]["std"]:.2f}' for c in columns) + ' | |')
    for stat in ('min', 'max'):
        lines.append(f'| {stat} | ' + ' | '.join(f'{summary[c][stat]:.2f}' for c in columns)
                     + ' | |')
    subhead_rows = [r for r in results if r['per_subhead_metrics']]
    if subhead_rows:
        first = names[0]
        lines += ['', f'{first} of every main sub-head (reported only; the model predicts with '
                  'its own, label-free choice):', '',
                  '| seed | ' + ' | '.join(f'sub-head {i}' for i in
                                           sorted(map(int, subhead_rows[0]['per_subhead_metrics'])))
                  + ' |', '|---|' + '---|' * len(subhead_rows[0]['per_subhead_metrics'])]
        for r in subhead_rows:
            cells = [f'{v[first]:.2f}' for _, v in sorted(r['per_subhead_metrics'].items(),
                                                           key=lambda item: int(item[0]))]
            lines.append(f'| {r["seed"]} | ' + ' | '.join(cells) + ' |')
    with open(osp.join(args.work_dir, 'seed_sweep.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    plot(results, columns, summary, osp.join(args.work_dir, 'seed_sweep.png'), args.config)
    return summary


def plot(results: List[dict], columns: List[str], summary: dict, path: str, title: str) -> None:
    """One panel per metric: the seeds as labelled dots, the mean ± std as a bar."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(columns), figsize=(2.6 * len(columns), 3.2), squeeze=False)
    for ax, name in zip(axes[0], columns):
        values = [r['train_seconds'] if name == 'train_seconds' else r['metrics'][name]
                  for r in results]
        stats = summary[name]
        ax.errorbar([0], [stats['mean']], yerr=[stats['std']], fmt='s', color='black', capsize=6,
                    label='mean ± std')
        offsets = [0.15 * (i - (len(values) - 1) / 2) / max(len(values), 1) * 4
                   for i in range(len(values))]
        ax.scatter(offsets, values, color='tab:blue', zorder=3)
        for x, y, r in zip(offsets, values, results):
            ax.annotate(str(r['seed']), (x, y), textcoords='offset points', xytext=(4, 2),
                        fontsize=7)
        ax.set_xticks([])
        ax.set_xlim(-1, 1)
        ax.set_title(name, fontsize=9)
    axes[0][0].legend(fontsize=7, loc='lower left')
    fig.suptitle(f'{osp.basename(title)}: {len(results)} seeds', fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    if args.run_one is not None:
        return run_one(args, args.run_one)
    os.makedirs(args.work_dir, exist_ok=True)
    argv = sys.argv[1:] if argv is None else argv
    command = shlex.join(['python', osp.relpath(osp.abspath(__file__), ROOT)] + list(argv))
    results = []
    for i, seed in enumerate(args.seeds):
        result = finished(args, seed)
        if result is not None:
            print(f'[seed-sweep] seed {seed} ({i + 1}/{len(args.seeds)}): finished run reused',
                  flush=True)
        else:
            print(f'[seed-sweep] seed {seed} ({i + 1}/{len(args.seeds)}): training, log in '
                  f'{seed_dir(args.work_dir, seed)}', flush=True)
            # A process per seed: no state (default scope, visualizers, RNG) leaks between runs.
            subprocess.run([sys.executable, osp.abspath(__file__)] + list(argv)
                           + ['--run-one', str(seed)], check=True, cwd=os.getcwd())
            result = finished(args, seed)
            if result is None:
                raise RuntimeError(f'seed {seed} wrote no result.json in {seed_dir(args.work_dir, seed)}')
        results.append(result)
        head = HEADLINE[result['kind']][0]
        print(f'[seed-sweep] seed {seed}: {head} {result["metrics"].get(head, float("nan")):.2f}, '
              f'{result["train_seconds"]:.0f} s', flush=True)
    summary = report(args, results, command)
    print(open(osp.join(args.work_dir, 'seed_sweep.md')).read())
    return summary


if __name__ == '__main__':
    main()
