"""Every image clustering config builds and runs 2 iterations + evaluation on tiny data
(ResNet trunks narrowed, same layer layout, to keep the suite fast on a CPU)."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import mmiic  # noqa: F401
from mmiic.testing import make_cifar10, make_cifar100, make_mnist, make_stl10

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'iic')
WRITERS = {
    'mmiic.MNISTCluster': lambda root: make_mnist(root, n_train=2, n_test=2),
    'mmiic.CIFAR10Cluster': lambda root: make_cifar10(root, n_per_batch=1),
    'mmiic.CIFAR100Cluster': lambda root: make_cifar100(root, n=2),
    'mmiic.STL10Cluster': lambda root: make_stl10(root, n=2, n_unlabeled=2),
}
CONFIGS = [
    'iic_vgg6c_mnist.py', 'iic_minivgg_mnist_demo.py', 'iic_resnet5g_cifar10.py',
    'iic_vgg6c_cifar100_20.py', 'iic_resnet5g_stl10.py', 'iic_resnet5g_stl10_overcluster.py',
    'iic_minivgg_mnist_demo_device_views.py'
]


def _parts(dataset):
    if dataset.type == 'mmiic.ManyToOneEvalDataset':
        return [dataset.fit_dataset, dataset.test_dataset]
    return [dataset]


def tiny_runner_cfg(name, tmp_path, max_iters=2):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))
    if cfg.model.backbone.type == 'mmiic.IICResNet':
        # Same layer layout, 8x narrower: keeps the suite fast on a CPU.
        cfg.model.backbone.update(stem_channels=8, base_channels=8)
        cfg.model.head.in_channels = 8 * 8
    root = WRITERS[cfg.train_dataloader.dataset.type](str(tmp_path / 'data'))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[key]
        for dataset in _parts(loader.dataset):
            dataset.data_root = root
            dataset.indices = 4
        loader.batch_size = 2
        loader.num_workers = 0
        loader.persistent_workers = False
    if 'max_iters' in cfg.train_cfg:
        cfg.train_cfg.max_iters = max_iters
        cfg.train_cfg.val_interval = max_iters
    else:
        cfg.train_cfg.max_epochs = max_iters // 2
    cfg.work_dir = str(tmp_path / 'work')
    cfg.default_hooks.logger.interval = 1
    return cfg


@pytest.mark.slow
@pytest.mark.parametrize('name', CONFIGS)
def test_config_trains_two_iterations_and_evaluates(name, tmp_path):
    runner = Runner.from_cfg(tiny_runner_cfg(name, tmp_path))
    runner.train()
    assert runner.iter == 2
    metrics = runner.val_loop.run()
    assert 0 <= metrics['cluster/acc'] <= 100
    assert 'cluster/acc_subhead0' in metrics
    if name.endswith('_overcluster.py'):
        # One head with k = 70 > 10: the many-to-one map is fit on the labelled
        # train split and scored on the test split.
        assert 'cluster/acc_many_to_one_train_fit' in metrics
        fit, test = runner.val_loop.dataloader.dataset.datasets
        assert {fit.get_data_info(i)['split'] for i in range(len(fit))} == {'train'}
        assert {test.get_data_info(i)['split'] for i in range(len(test))} == {'test'}
