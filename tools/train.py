"""Train an IIC model: argparse -> Config -> Runner (mmsegmentation 1.x CLI).

Works for segmentation (``default_scope='mmseg'``) and image clustering
(``default_scope='mmpretrain'``) configs alike.
"""
import argparse
import logging
import os
import os.path as osp
from typing import List, Optional

from mmengine.config import DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

import mmiic  # noqa: F401  registers modules
from mmiic.utils import (load_config, register_checkpoint_loader, shutdown_distributed,
                         start_distributed)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train an IIC model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the checkpoint PATH or, without PATH, from the latest checkpoint in '
        'the work_dir')
    parser.add_argument(
        '--no-validate', action='store_true',
        help='train without evaluating the checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the learning rate by the actual batch size (all GPUs) over the config\'s '
        'auto_scale_lr.base_batch_size')
    parser.add_argument(
        '--amp', action='store_true', default=False, help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file.')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
        help='job launcher')
    # torch.distributed.launch passes --local_rank, torchrun sets LOCAL_RANK.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if args.resume not in (None, 'auto') and '://' not in args.resume and not osp.isfile(
            args.resume):
        parser.error(f'--resume {args.resume}: no such checkpoint file')
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    # Variables such as num_clusters reach what the config computes from them.
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        optim_wrapper = cfg.optim_wrapper.type
        if optim_wrapper == 'AmpOptimWrapper':
            print_log('AMP training is already enabled in your config.', logger='current',
                      level=logging.WARNING)
        else:
            assert optim_wrapper == 'OptimWrapper', (
                '`--amp` is only supported when the optimizer wrapper type is '
                f'`OptimWrapper` but got {optim_wrapper}.')
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.auto_scale_lr:
        if not (cfg.get('auto_scale_lr') or {}).get('base_batch_size'):
            raise ValueError(f'--auto-scale-lr: {args.config} has no auto_scale_lr.base_batch_size '
                             '(the batch size its learning rate is meant for); add '
                             'auto_scale_lr = dict(base_batch_size=N) to the config')
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    register_checkpoint_loader()  # --resume and load_from read Runner checkpoints
    start_distributed(cfg)  # gloo on a machine without CUDA; else the Runner starts it
    runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    main()
    shutdown_distributed()  # before exit: a live gloo group can abort a rank at exit
