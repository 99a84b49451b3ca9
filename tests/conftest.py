"""Shared fixtures and helpers. The writers of the built-in data set layouts live
in :mod:`mmiic.testing` (shared with tools/analysis_tools/benchmark_train.py)
and are re-exported here, so that tests keep importing them from ``conftest``."""
import os
import os.path as osp

import numpy as np
import pytest

from mmiic.testing.fake_data import (digit_images, make_cifar10, make_cifar100,  # noqa: F401
                                     make_cocostuff, make_mnist, make_potsdam, make_stl10,
                                     write_idx)


@pytest.fixture
def mnist_root(tmp_path):
    return make_mnist(str(tmp_path / 'mnist'))


def make_cluster_folder(root, per_class=4, seed=0):
    """Two classes in sub-folders, in three real formats: colour PNG, grey JPEG,
    16-bit TIFF (values spread over 0-65535), of different sizes."""
    import cv2
    import tifffile
    rng = np.random.default_rng(seed)
    paths = []
    for c, name in enumerate(('dark', 'bright')):
        os.makedirs(osp.join(root, name), exist_ok=True)
        for i in range(per_class):
            side = 36 + 4 * i
            base = np.full((side, side + 6, 3), 50 if c == 0 else 200, np.float64)
            img = np.clip(base + rng.normal(0, 20, base.shape), 0, 255)
            fmt = i % 3
            if fmt == 0:
                path = osp.join(root, name, f'img_{i}.png')
                cv2.imwrite(path, img.astype(np.uint8))
            elif fmt == 1:
                path = osp.join(root, name, f'img_{i}.jpg')
                cv2.imwrite(path, img[..., 0].astype(np.uint8))
            else:
                path = osp.join(root, name, f'img_{i}.tif')
                tifffile.imwrite(path, (img * 257).astype(np.uint16))
            paths.append(path)
    return paths


def make_seg_folder(root, n=3, size=(64, 80), seed=0, with_labels=True, values=(10, 20)):
    """Images (PNG and 16-bit TIFF) with two regions, and PNG label maps using
    the values ``values`` (left, right), by default 10 and 20 of a value mapping."""
    import cv2
    import tifffile
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(root, 'images', 'sub'), exist_ok=True)
    if with_labels:
        os.makedirs(osp.join(root, 'labels', 'sub'), exist_ok=True)
    for i in range(n):
        h, w = size
        img = np.zeros((h, w, 3), np.float64)
        img[:, :w // 2] = 40 + 30 * ((np.arange(h)[:, None, None] // 3) % 2)
        img[:, w // 2:] = 190
        img = np.clip(img + rng.normal(0, 8, img.shape), 0, 255)
        label = np.full((h, w), values[1], np.uint8)
        label[:, :w // 2] = values[0]
        stem = osp.join('sub', f'scene_{i}') if i == 0 else f'scene_{i}'
        if i % 2 == 0:
            cv2.imwrite(osp.join(root, 'images', stem + '.png'), img.astype(np.uint8))
        else:
            tifffile.imwrite(osp.join(root, 'images', stem + '.tif'), (img * 257).astype(np.uint16))
        if with_labels:
            cv2.imwrite(osp.join(root, 'labels', stem + '.png'), label)
    return root


def dense_view_batch(n=2, size=32, ignore_all=False):
    """A segmentation training batch of ``n`` random images with IICDenseViews
    pairs (shift <= 4 px), packed as the data loader gives it."""
    import torch

    from mmiic.datasets.transforms import IICDenseViews, PackIICSegInputs
    items = []
    for i in range(n):
        np.random.seed(i)  # IICDenseViews draws from numpy's global generator
        img = np.random.randint(0, 255, (size, size, 3), dtype=np.uint8)
        seg = np.random.randint(0, 3, (size, size)).astype(np.uint8)
        if ignore_all:
            seg[:] = 255
        out = IICDenseViews(max_translation=4)(dict(img=img, gt_seg_map=seg))
        items.append(PackIICSegInputs()(out))
    return dict(inputs=torch.stack([it['inputs'] for it in items]),
                data_samples=[it['data_samples'] for it in items])


def make_video(path, frames=5, size=(48, 64)):
    """A short MJPG .avi (the codec OpenCV writes without extra libraries)."""
    import cv2
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 5, (size[1], size[0]))
    assert writer.isOpened(), 'OpenCV cannot write MJPG videos here'
    rng = np.random.default_rng(0)
    for _ in range(frames):
        frame = np.zeros(size + (3, ), np.uint8)
        frame[:, :size[1] // 2] = 50
        frame[:, size[1] // 2:] = 200
        writer.write(np.clip(frame + rng.normal(0, 5, frame.shape), 0, 255).astype(np.uint8))
    writer.release()
    return path

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
    from mmengine.registry import MODELS, DefaultScope
    from mmengine.runner.checkpoint import save_checkpoint, weights_to_cpu

    from mmiic.utils import load_config
    cfg = load_config(config, parse_cfg_options(options))  # as the tools load it
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


def free_port():
    """A TCP port nobody listens on now (for a test's process group)."""
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _rank_main(rank, fn, world_size, port, init_group, args):
    import datetime

    import torch
    import torch.distributed as dist
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port), RANK=str(rank),
                      LOCAL_RANK=str(rank), WORLD_SIZE=str(world_size))
    torch.set_num_threads(1)
    if init_group:
        dist.init_process_group('gloo', rank=rank, world_size=world_size,
                                timeout=datetime.timedelta(seconds=60))
    try:
        fn(rank, world_size, *args)
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def run_on_ranks(fn, *args, world_size=2, init_group=True, timeout=240):
    """Run ``fn(rank, world_size, *args)`` in ``world_size`` spawned processes.

    The processes get torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK,
    MASTER_ADDR, a free MASTER_PORT) and, with ``init_group``, a gloo process
    group (60 s collective timeout, so a deadlock fails instead of hanging).
    An exception in any process fails the caller with its traceback; the
    processes are killed after ``timeout`` seconds.
    """
    import time

    import torch.multiprocessing as mp
    context = mp.start_processes(_rank_main, args=(fn, world_size, free_port(), init_group, args),
                                 nprocs=world_size, join=False, start_method='spawn')
    deadline = time.monotonic() + timeout
    try:
        while not context.join(timeout=max(deadline - time.monotonic(), 0.1)):
            if time.monotonic() >= deadline:
                raise TimeoutError(f'{fn.__name__} did not finish within {timeout} s')
    finally:
        for process in context.processes:
            if process.is_alive():
                process.kill()


@pytest.fixture(autouse=True)
def _fresh_visualizers():
    """Forget the visualizers a test created. mmengine keys them by experiment name, which has a
    one-second timestamp: a runner of another scope built in the same second would otherwise get
    the earlier test's visualizer (e.g. mmseg's) and fail to build its own."""
    yield
    from mmengine.visualization import Visualizer
    stack = [Visualizer]
    while stack:
        cls = stack.pop()
        cls._instance_dict.clear()
        stack.extend(cls.__subclasses__())
