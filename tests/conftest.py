"""Shared fixtures and helpers; the data writers live in :mod:`mmiic.testing`
(re-exported here so that tests keep importing them from ``conftest``)."""
import os

import pytest

from mmiic.testing.fake_data import (digit_images, make_cifar10, make_cifar100,  # noqa: F401
                                     make_cocostuff, make_mnist, make_potsdam, make_stl10,
                                     write_idx)


@pytest.fixture
def mnist_root(tmp_path):
    return make_mnist(str(tmp_path / 'mnist'))


# ---------------------------------------------------------------------------
# Tiny configs and checkpoints for the tools in tools/ (run by the tests with
# --cfg-options, as a user would).
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
MNIST_CONFIG = os.path.join(ROOT, 'configs', 'iic', 'iic_vgg6c_mnist.py')
MOSAIC_CONFIG = os.path.join(ROOT, 'configs', 'iic', 'iic_minivgg_mosaic_demo.py')


def tiny_mnist_options(data_root):
    """--cfg-options shrinking iic_vgg6c_mnist.py to a 4-8-8 trunk on ``data_root``."""
    options = ["model.backbone.arch=[4,'M',8,'M',8,'M']", 'model.head.in_channels=72',
               'model.head.num_subheads=2', 'train_dataloader.batch_size=4']
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options += [f'{key}.dataset.data_root={data_root}', f'{key}.num_workers=0',
                    f'{key}.persistent_workers=False']
    return options


def tiny_mosaic_options():
    """--cfg-options shrinking the texture-mosaic demo to 2 mosaics of 48 px."""
    options = ['train_dataloader.batch_size=2', 'train_cfg.max_iters=2', 'train_cfg.val_interval=2']
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options += [f'{key}.dataset.num_images=2', f'{key}.dataset.size=48', f'{key}.num_workers=0',
                    f'{key}.persistent_workers=False']
    return options


def parse_cfg_options(options):
    import argparse

    from mmengine.config import DictAction
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(['--cfg-options', *options]).cfg_options


def save_fresh_checkpoint(config, options, path):
    """A freshly built model of ``config`` saved in mmengine's checkpoint format."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import MODELS, DefaultScope
    from mmengine.runner.checkpoint import save_checkpoint, weights_to_cpu
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(parse_cfg_options(options))
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    save_checkpoint(dict(meta=dict(mmengine_version='0.10.7'),
                         state_dict=weights_to_cpu(model.state_dict())), path)
    return path


def load_tool(relative_path):
    """Import a script of tools/ as a module (they are not a package)."""
    import importlib.util
    path = os.path.join(ROOT, relative_path)
    name = 'tool_' + os.path.splitext(relative_path)[0].replace(os.sep, '_')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def tiny_mnist(tmp_path_factory):
    """(data_root, options, checkpoint) of a tiny MNIST clustering model."""
    tmp = tmp_path_factory.mktemp('tiny_mnist')
    data_root = make_mnist(str(tmp / 'mnist'), n_train=6, n_test=6)
    options = tiny_mnist_options(data_root)
    return data_root, options, save_fresh_checkpoint(MNIST_CONFIG, options, str(tmp / 'cls.pth'))


@pytest.fixture(scope='session')
def tiny_mosaic(tmp_path_factory):
    """(options, checkpoint) of a tiny texture-mosaic segmentation model."""
    tmp = tmp_path_factory.mktemp('tiny_mosaic')
    options = tiny_mosaic_options()
    return options, save_fresh_checkpoint(MOSAIC_CONFIG, options, str(tmp / 'seg.pth'))
