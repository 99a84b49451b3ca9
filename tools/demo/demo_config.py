"""Command-line overrides shared by the demos (tools/demo/*_demo.py)."""
import argparse

from mmengine.config import Config


def add_override_args(parser: argparse.ArgumentParser) -> None:
    """``--max-iters`` and ``--seed``, read by :func:`apply_overrides`."""
    parser.add_argument('--max-iters', type=int, help='override the config (quick tries)')
    parser.add_argument('--seed', type=int,
                        help="override the config's randomness seed (0): weights, data order, views")


def apply_overrides(cfg: Config, args: argparse.Namespace) -> None:
    """Work dir, ``--max-iters``, ``--seed``; no validation inside training: the
    demos evaluate once, after it (an iteration-based loop always validates at
    its last iteration)."""
    cfg.work_dir = args.work_dir
    if args.max_iters:
        cfg.train_cfg.max_iters = args.max_iters
    if args.seed is not None:
        cfg.randomness = dict(cfg.get('randomness', {}), seed=args.seed)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
