"""Shared fixtures. The helpers the tests share (tiny data in real formats, tiny configs and
checkpoints, process groups) live in :mod:`mmiic.testing`."""
import pytest

from mmiic.testing import (MNIST_CONFIG, MOSAIC_CONFIG, make_mnist, save_fresh_checkpoint,
                           tiny_mnist_options, tiny_mosaic_options)


@pytest.fixture
def mnist_root(tmp_path):
    return make_mnist(str(tmp_path / 'mnist'))


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
