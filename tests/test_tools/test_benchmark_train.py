"""tools/analysis_tools/benchmark_train.py and the fake data sets it trains on."""
import json
import os.path as osp
import sys

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmiic.registry import DATASETS
from mmiic.testing import write_fake_data

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'benchmark_train.py')
sys.path.insert(0, osp.dirname(TOOL))
import benchmark_train  # noqa: E402
from benchmark_train import _dataset_cfgs, use_fake_data  # noqa: E402


@pytest.mark.parametrize('config', [
    'iic_vgg_cocostuff3.py', 'iic_vgg_potsdam6.py', 'iic_resnet5g_cifar10.py',
    'iic_vgg6c_cifar100_20.py', 'iic_vgg6c_mnist.py', 'iic_resnet5g_stl10.py',
    'iic_minivgg_mosaic_demo.py', 'iic_vgg_cocostuff3_device_views_prescaled.py'
])
def test_fake_data_fits_every_layout(tmp_path, config):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'iic', config))
    init_default_scope(cfg.default_scope)
    use_fake_data(cfg, str(tmp_path), num_images=2)
    for leaf in _dataset_cfgs(cfg.train_dataloader.dataset):
        if 'data_root' in leaf:
            assert leaf['data_root'].startswith(str(tmp_path))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(dataset) > 0
    sample = dataset[0]
    assert sample['inputs'].dtype.is_floating_point is False  # uint8 views over the bus


def test_unknown_dataset_type_is_named(tmp_path):
    with pytest.raises(KeyError, match='NoSuchDataset'):
        write_fake_data('mmiic.NoSuchDataset', str(tmp_path))


@pytest.mark.parametrize('config,pairs_per_batch', [
    ('iic_minivgg_mnist_demo_device_views.py', 4 * 2),
    ('iic_minivgg_mosaic_demo.py', 2),
])
@pytest.mark.slow
def test_benchmark_reports_throughput_shares_and_memory(tmp_path, monkeypatch, capsys, config,
                                                        pairs_per_batch):
    out = tmp_path / 'result.json'
    batch = pairs_per_batch // 2 if 'mnist' in config else 2
    options = [f'train_dataloader.batch_size={batch}', 'train_dataloader.num_workers=0',
               'train_dataloader.persistent_workers=False']
    if 'mosaic' in config:
        options.append('train_dataloader.dataset.num_images=4')
    monkeypatch.setattr(sys, 'argv', [
        TOOL, osp.join(ROOT, 'configs', 'iic', config), '--iters', '2', '--warmup', '1',
        '--fake-data', '--fake-images', '8', '--pipeline-samples', '2', '--out', str(out),
        '--cfg-options', *options])
    benchmark_train.main()
    stdout = capsys.readouterr().out
    for line in ('pairs/s:', 'data_time share:', 'of the compute step', 'peak memory:'):
        assert line in stdout
    result = json.loads(out.read_text())
    assert result['iters'] == 2 and result['device'].startswith('cpu')
    # pairs/s counts the batch's view pairs over the timed seconds.
    assert result['pairs_per_s'] == pytest.approx(pairs_per_batch / result['iter_s'], rel=1e-6)
    assert 0 <= result['data_time_share'] < 1
    assert 0 < result['loss_share'] < 1
    assert result['peak_mib'] > 0
    device_views = 'device_views' in config
    assert (result['views_ms_per_sample'] is not None) == device_views


@pytest.mark.slow
def test_fake_data_of_a_prescaled_config_is_shrunk(tmp_path):
    """The prescaled config is timed on files at its training scale, not 3x too large."""
    import cv2
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', 'iic', 'iic_vgg_cocostuff3_device_views_prescaled.py'))
    use_fake_data(cfg, str(tmp_path), num_images=2)
    train, val = cfg.train_dataloader.dataset, cfg.val_dataloader.dataset
    image = cv2.imread(DATASETS.build(dict(train, pipeline=[])).get_data_info(0)['img_path'])
    original = cv2.imread(DATASETS.build(dict(val, pipeline=[])).get_data_info(0)['img_path'])
    assert original.shape == (480, 640, 3) and image.shape == (160, 213, 3)
