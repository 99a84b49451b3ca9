"""Plot training curves and time iterations from mmengine's json scalar logs.

mmengine writes ``<work_dir>/<timestamp>/vis_data/<timestamp>.json`` (also
``scalars.json``): one json object per logged step. Training records carry
``lr`` (and ``loss``, ``loss_main`` / ``loss_overcluster``, ``time``, ...),
validation records the metrics (``cluster/acc``, ``seg/acc``, ...). As
mmseg's and mmpretrain's analyze_logs::

    python tools/analysis_tools/analyze_logs.py plot_curve LOG.json [LOG2.json] \
        --keys loss_main cluster/acc --out curves.png
    python tools/analysis_tools/analyze_logs.py cal_train_time LOG.json
"""
import argparse
import json
import os.path as osp
import re
from typing import Dict, List, Optional

import numpy as np


def load_json_log(path: str) -> Dict[str, List[dict]]:
    """Split a json scalar log into ``train``, ``val`` and ``hooks`` records.

    mmengine's LoggerHook writes training records with ``lr`` and validation
    records with ``time``; records with neither come from hooks that log
    through the visualizer (e.g. ``cluster_mass/<i>`` of ClusterMassHook).

    Raises:
        ValueError: a line is not json (names the file and line).
    """
    logs: Dict[str, List[dict]] = dict(train=[], val=[], hooks=[])
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f'{path}:{number} is not a json scalar log line: {err}') from None
            phase = 'train' if 'lr' in record else 'val' if 'time' in record else 'hooks'
            logs[phase].append(record)
    return logs


def available_keys(log: Dict[str, List[dict]]) -> Dict[str, set]:
    return {phase: set().union(*(r.keys() for r in records)) - {'step', 'epoch', 'iter'}
            for phase, records in log.items()}


def plot_curve(logs: List[Dict[str, List[dict]]], args: argparse.Namespace) -> None:
    import matplotlib
    if args.out is not None:
        matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    legends = args.legend or [
        f'{osp.splitext(osp.basename(path))[0]}_{key}' for path in args.json_logs
        for key in args.keys
    ]
    if len(legends) != len(args.json_logs) * len(args.keys):
        raise ValueError(f'--legend needs {len(args.json_logs) * len(args.keys)} entries '
                         f'(logs x keys), got {len(legends)}')
    width, height = (int(v) for v in args.window_size.split('*'))
    plt.figure(figsize=(width, height))
    for i, (path, log) in enumerate(zip(args.json_logs, logs)):
        keys = available_keys(log)
        for j, key in enumerate(args.keys):
            phase = next((p for p in ('val', 'train', 'hooks') if key in keys[p]), None)
            if phase is None:
                raise ValueError(f'{path} has no key {key!r}; it has '
                                 f'{sorted(set().union(*keys.values()))}')
            records = [r for r in log[phase] if key in r]
            xs = np.array([r['step'] for r in records])
            ys = np.array([r[key] for r in records])
            plt.plot(xs, ys, label=legends[i * len(args.keys) + j], linewidth=0.75,
                     marker='o' if phase == 'val' else None)
    plt.xlabel('step (iteration, or epoch for epoch-based validation)')
    plt.legend()
    if args.title is not None:
        plt.title(args.title)
    if args.out is None:
        plt.show()
    else:
        print(f'save curve to: {args.out}')
        plt.savefig(args.out)
    plt.close()


def cal_train_time(logs: List[Dict[str, List[dict]]], args: argparse.Namespace) -> List[float]:
    """Print and return the mean seconds per training iteration of each log."""
    means = []
    for path, log in zip(args.json_logs, logs):
        times = np.array([r['time'] for r in log['train'] if 'time' in r])
        if times.size == 0:
            raise ValueError(f'{path} has no training time records')
        if not args.include_outliers and times.size > 1:
            times = times[1:]  # the first iteration includes warm-up
        print(f'-----Analyze train time of {path}-----')
        print(f'slowest logged iteration: {times.max():.4f} s, fastest: {times.min():.4f} s')
        print(f'average iter time: {times.mean():.4f} s/iter')
        means.append(float(times.mean()))
    return means


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Analyze json logs')
    subparsers = parser.add_subparsers(dest='task', required=True)
    plot = subparsers.add_parser('plot_curve', help='plot curves of logged keys')
    plot.add_argument('json_logs', nargs='+', help='json scalar logs')
    plot.add_argument('--keys', nargs='+', default=['loss'], help='keys to plot')
    plot.add_argument('--title', help='figure title')
    plot.add_argument('--legend', nargs='+', help='one legend per log and key')
    plot.add_argument('--out', help='image file to write (default: show a window)')
    plot.add_argument('--window-size', default='12*7', help='figure size "W*H" in inches')
    timing = subparsers.add_parser('cal_train_time', help='mean time per training iteration')
    timing.add_argument('json_logs', nargs='+', help='json scalar logs')
    timing.add_argument('--include-outliers', action='store_true',
                        help='count the first logged iteration too')
    args = parser.parse_args(argv)
    if getattr(args, 'window_size', None) and not re.fullmatch(r'\d+\*\d+', args.window_size):
        parser.error(f"--window-size must be 'W*H', got {args.window_size!r}")
    return args


def main(argv: Optional[List[str]] = None):
    args = parse_args(argv)
    for path in args.json_logs:
        if not path.endswith('.json'):
            raise ValueError(f'{path}: expected a .json scalar log (vis_data/*.json)')
    logs = [load_json_log(path) for path in args.json_logs]
    if args.task == 'plot_curve':
        return plot_curve(logs, args)
    return cal_train_time(logs, args)


if __name__ == '__main__':
    main()
