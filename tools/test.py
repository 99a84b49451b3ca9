"""Evaluate an IIC checkpoint: argparse -> Config -> Runner.test().

Options follow mmpretrain's tools/test.py: ``--out`` dumps the predictions
(``.pkl``, mmengine's ``DumpResults``) or, with ``--out-item metrics``, the
metrics (``.json``/``.yaml``/``.pkl``); as in mmsegmentation, ``--out DIR`` (a
folder) writes each image's cluster map as a PNG (segmentation models,
:class:`mmiic.evaluation.DumpClusterMaps`); ``--show-dir`` writes one picture per
sample and ``--show`` displays them, painted by cluster (clusters are not
classes: see :class:`mmiic.engine.hooks.ClusterVisualizationHook`).
"""
import argparse
import os
import os.path as osp
from typing import Dict, List, Optional

import mmengine
from mmengine.config import Config, DictAction
from mmengine.evaluator import DumpResults
from mmengine.logging import print_log
from mmengine.runner import Runner

import mmiic  # noqa: F401  registers modules
from mmiic.apis import write_cluster_mapping
from mmiic.evaluation import DumpClusterMaps
from mmiic.utils import register_checkpoint_loader, shutdown_distributed, start_distributed
from mmiic.utils.config_loading import load_test_config

PRED_SUFFIXES = ('.pkl', '.pickle')
METRIC_SUFFIXES = ('.json', '.yaml', '.yml', '.pkl', '.pickle')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) an IIC model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the directory to save the evaluation metrics')
    parser.add_argument(
        '--out', help='file to dump the predictions (.pkl) or, with --out-item metrics, '
        'the metrics (.json, .yaml or .pkl); a folder (no suffix, or an existing folder): one '
        'PNG of cluster ids per image (segmentation models, as mmsegmentation\'s --out)')
    parser.add_argument(
        '--out-item', choices=['metrics', 'pred'], default=None,
        help='what --out holds; defaults to the predictions')
    parser.add_argument(
        '--show-dir', help='directory where a picture of each prediction (image and its '
        'clusters) is written')
    parser.add_argument('--show', action='store_true', help='display each picture in a window')
    parser.add_argument('--interval', type=int, default=1, help='draw every n-th sample')
    parser.add_argument('--wait-time', type=float, default=2,
                        help='seconds each shown picture stays (--show)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file.')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    check_out_args(parser, args)
    return args


def out_is_folder(path: str) -> bool:
    """mmsegmentation's form of --out: a folder for one prediction file per image."""
    return osp.isdir(path) or path.endswith(('/', os.sep)) or not osp.splitext(path)[1]


def check_out_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Fail before the (long) test run if --out cannot be written as asked."""
    if args.out is None:
        if args.out_item is not None:
            parser.error('--out-item needs --out FILE')
        return
    suffix = osp.splitext(args.out)[1].lower()
    if args.out_item == 'metrics':
        if suffix not in METRIC_SUFFIXES:
            parser.error(f'--out {args.out}: metrics are written as {"/".join(METRIC_SUFFIXES)}')
    elif suffix not in PRED_SUFFIXES and not out_is_folder(args.out):
        parser.error(f'--out {args.out}: predictions are dumped as {"/".join(PRED_SUFFIXES)}, '
                     'or written per image into a folder (--out DIR); use --out-item metrics '
                     'for a .json of the metrics')


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Command line -> config (from ``load_test_config``: work dir and checkpoint
    set): launcher, pictures."""
    cfg.launcher = args.launcher
    if args.show or args.show_dir is not None:
        add_visualization_hook(cfg, args)
    return cfg


def add_visualization_hook(cfg: Config, args: argparse.Namespace) -> None:
    """Draw predictions painted by cluster (replaces one the config may have)."""
    hooks = [h for h in cfg.get('custom_hooks', []) or []
             if h.get('type') not in ('mmiic.ClusterVisualizationHook', 'ClusterVisualizationHook')]
    hooks.append(dict(type='mmiic.ClusterVisualizationHook', draw=True, out_dir=args.show_dir,
                      show=args.show, wait_time=args.wait_time, interval=args.interval))
    cfg.custom_hooks = hooks


def image_root(dataset) -> Optional[str]:
    """The deepest folder holding every test image (None without image files)."""
    folders = set()
    for index in range(len(dataset)):
        img_path = dataset.get_data_info(index).get('img_path')
        if not isinstance(img_path, str) or not osp.dirname(img_path):
            return None
        folders.add(osp.dirname(osp.abspath(img_path)))
    return osp.commonpath(sorted(folders)) if folders else None


def add_prediction_writer(cfg: Config, runner: Runner, out: str) -> None:
    """--out DIR: append the writer of one cluster-map PNG per image to the test metrics."""
    if 'decode_head' not in cfg.model:
        raise ValueError(f'--out {out}: a folder takes one cluster map per image, written for '
                         'segmentation models only; dump the predictions of an image '
                         'clustering model with --out FILE.pkl')
    dataset = runner.test_dataloader.dataset
    root = image_root(dataset) if hasattr(dataset, 'get_data_info') else None
    runner.test_evaluator.metrics.append(DumpClusterMaps(output_dir=out, img_root=root))


def save_outputs(args: argparse.Namespace, metrics: Dict[str, float]) -> None:
    """Write what --out asked for once the test has run (predictions are dumped
    by ``DumpResults`` during the run)."""
    if args.out is not None and args.out_item == 'metrics':
        mmengine.mkdir_or_exist(osp.dirname(osp.abspath(args.out)))
        mmengine.dump(metrics, args.out)


def main(argv: Optional[List[str]] = None) -> Dict[str, float]:
    args = parse_args(argv)
    cfg = merge_args(load_test_config(args.config, args.checkpoint, args.cfg_options,
                                      'tools/test.py', args.work_dir), args)
    register_checkpoint_loader()  # the checkpoint is a Runner checkpoint
    start_distributed(cfg)  # gloo on a machine without CUDA; else the Runner starts it
    runner = Runner.from_cfg(cfg)
    if args.out is not None and args.out_item in (None, 'pred'):
        if osp.splitext(args.out)[1].lower() in PRED_SUFFIXES:
            mmengine.mkdir_or_exist(osp.dirname(osp.abspath(args.out)))
            runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.out))
        else:
            add_prediction_writer(cfg, runner, args.out)
    metrics = runner.test()
    save_outputs(args, metrics)
    # The cluster -> class mapping of the evaluation, for tools/infer.py --mapping.
    mapping_path = write_cluster_mapping(runner)
    if mapping_path is not None:
        print_log(f'cluster -> class mapping written to {mapping_path}', logger='current')
    return metrics


if __name__ == '__main__':
    main()
    shutdown_distributed()  # before exit: a live gloo group can abort a rank at exit
