"""Helpers shared by the tests and the benchmark tools."""
from .fake_data import (make_cifar10, make_cifar100, make_cocostuff, make_mnist, make_potsdam,
                        make_stl10, write_fake_data, write_idx)

__all__ = [
    'make_cifar10', 'make_cifar100', 'make_cocostuff', 'make_mnist', 'make_potsdam', 'make_stl10',
    'write_fake_data', 'write_idx'
]
