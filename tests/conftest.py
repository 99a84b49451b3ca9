"""Shared fixtures; the data writers live in :mod:`mmiic.testing` (re-exported
here so that tests keep importing them from ``conftest``)."""
import pytest

from mmiic.testing.fake_data import (digit_images, make_cifar10, make_cifar100,  # noqa: F401
                                     make_cocostuff, make_mnist, make_potsdam, make_stl10,
                                     write_idx)


@pytest.fixture
def mnist_root(tmp_path):
    return make_mnist(str(tmp_path / 'mnist'))
