"""Helpers shared by the tests and the benchmark tools: tiny data in real formats, tiny
configs and checkpoints, process groups."""
from .distributed import free_port, run_on_ranks
from .fake_data import (dense_view_batch, digit_images, make_cifar10, make_cifar100,
                        make_cluster_folder, make_cocostuff, make_mnist, make_potsdam,
                        make_seg_folder, make_stl10, make_video, write_fake_data, write_idx)
from .tiny_configs import (MNIST_CONFIG, MOSAIC_CONFIG, ROOT, load_tool, parse_cfg_options,
                           save_fresh_checkpoint, tiny_mnist_options, tiny_mosaic_options)

__all__ = [
    'MNIST_CONFIG', 'MOSAIC_CONFIG', 'ROOT', 'dense_view_batch', 'digit_images', 'free_port',
    'load_tool', 'make_cifar10', 'make_cifar100', 'make_cluster_folder', 'make_cocostuff',
    'make_mnist', 'make_potsdam', 'make_seg_folder', 'make_stl10', 'make_video',
    'parse_cfg_options', 'run_on_ranks', 'save_fresh_checkpoint', 'tiny_mnist_options',
    'tiny_mosaic_options', 'write_fake_data', 'write_idx'
]
