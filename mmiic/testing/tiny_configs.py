"""Tiny versions of the demo configs and their checkpoints, and the scripts of
``tools/`` as modules: what the tests of the tools run (with ``--cfg-options``,
as a user would)."""
import argparse
import importlib.util
import os
import os.path as osp
from types import ModuleType
from typing import List

import torch
from mmengine.config import DictAction
from mmengine.registry import MODELS, DefaultScope
from mmengine.runner.checkpoint import save_checkpoint, weights_to_cpu

from mmiic.utils import load_config

#: The checkout's root (tests and tools run from a checkout, which has configs/ and tools/).
ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
MNIST_CONFIG = osp.join(ROOT, 'configs', 'iic', 'iic_vgg6c_mnist.py')
MOSAIC_CONFIG = osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_mosaic_demo.py')


def tiny_mnist_options(data_root: str) -> List[str]:
    """--cfg-options shrinking iic_vgg6c_mnist.py to a 4-8-8 trunk on ``data_root``."""
    options = ["model.backbone.arch=[4,'M',8,'M',8,'M']", 'model.head.in_channels=72',
               'model.head.num_subheads=2', 'train_dataloader.batch_size=4']
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options += [f'{key}.dataset.data_root={data_root}', f'{key}.num_workers=0',
                    f'{key}.persistent_workers=False']
    return options


def tiny_mosaic_options() -> List[str]:
    """--cfg-options shrinking the texture-mosaic demo to 2 mosaics of 48 px."""
    options = ['train_dataloader.batch_size=2', 'train_cfg.max_iters=2', 'train_cfg.val_interval=2']
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options += [f'{key}.dataset.num_images=2', f'{key}.dataset.size=48', f'{key}.num_workers=0',
                    f'{key}.persistent_workers=False']
    return options


def parse_cfg_options(options: List[str]) -> dict:
    """``--cfg-options`` strings (``key=value``) as the tools' parser reads them."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(['--cfg-options', *options]).cfg_options


def save_fresh_checkpoint(config: str, options: List[str], path: str) -> str:
    """A freshly built model of ``config`` saved in mmengine's checkpoint format."""
    cfg = load_config(config, parse_cfg_options(options))  # as the tools load it
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    save_checkpoint(dict(meta=dict(mmengine_version='0.10.7'),
                         state_dict=weights_to_cpu(model.state_dict())), path)
    return path


def load_tool(relative_path: str) -> ModuleType:
    """Import a script of tools/ as a module (they are not a package)."""
    path = osp.join(ROOT, relative_path)
    name = 'tool_' + osp.splitext(relative_path)[0].replace(os.sep, '_')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
