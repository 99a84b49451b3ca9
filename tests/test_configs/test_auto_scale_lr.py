"""auto_scale_lr.base_batch_size is the batch each config trains with on 1 GPU, so
switching auto-scaling on keeps the configured learning rate."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

CONFIGS = sorted(glob.glob(osp.join(osp.dirname(__file__), '..', '..', 'configs', 'iic', '*.py')))
WITH_AUTO_SCALE = [path for path in CONFIGS if 'auto_scale_lr' in Config.fromfile(path)]


def test_image_clustering_configs_have_auto_scale_lr():
    names = {osp.basename(path) for path in WITH_AUTO_SCALE}
    assert {'iic_vgg6c_mnist.py', 'iic_resnet5g_cifar10.py', 'iic_vgg6c_cifar100_20.py',
            'iic_resnet5g_stl10.py', 'iic_minivgg_mnist_demo.py'} <= names


@pytest.mark.parametrize('path', WITH_AUTO_SCALE, ids=osp.basename)
def test_base_batch_size_is_the_effective_batch(path):
    cfg = Config.fromfile(path)
    effective = cfg.train_dataloader.batch_size * 1  # images per step on one GPU
    assert cfg.auto_scale_lr.base_batch_size == effective, (
        f'{osp.basename(path)}: base_batch_size {cfg.auto_scale_lr.base_batch_size} '
        f'!= train_dataloader.batch_size {effective}')
