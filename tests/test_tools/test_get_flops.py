"""tools/analysis_tools/get_flops.py under mmengine's analysis, for both model kinds."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

from mmiic.testing import MNIST_CONFIG, MOSAIC_CONFIG, ROOT, load_tool

tool = load_tool('tools/analysis_tools/get_flops.py')


def _num_params(config):
    cfg = Config.fromfile(config)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    return sum(p.numel() for p in model.parameters())


def test_image_clustering_model(capsys):
    result = tool.main([MNIST_CONFIG])
    assert 'Input shape: (1, 24, 24)' in capsys.readouterr().out  # grey 24 px views
    assert result['params'] == _num_params(MNIST_CONFIG)
    assert result['flops'] > 0


@pytest.mark.slow
def test_segmentation_model_scales_with_the_image_area():
    small = tool.main([MOSAIC_CONFIG, '--shape', '32'])
    large = tool.main([MOSAIC_CONFIG, '--shape', '64', '64'])
    assert small['params'] == large['params'] == _num_params(MOSAIC_CONFIG)
    assert large['flops'] / small['flops'] == pytest.approx(4.0, rel=0.02)


def test_default_shapes_come_from_the_configs():
    seg = Config.fromfile(osp.join(ROOT, 'configs', 'iic', 'iic_vgg_cocostuff3.py'))
    assert tool.default_input_shape(seg) == (3, 128, 128)
    cls = Config.fromfile(osp.join(ROOT, 'configs', 'iic', 'iic_resnet5g_stl10.py'))
    assert tool.default_input_shape(cls) == (3, 64, 64)


def test_config_without_a_test_set():
    # iic_minivgg_folder_seg.py sets test_dataloader = None: the shape comes
    # from the training crops, or from --shape without any lookup.
    config = osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_folder_seg.py')
    assert tool.default_input_shape(Config.fromfile(config)) == (3, 128, 128)
    result = tool.main([config, '--shape', '32'])
    assert result['params'] == _num_params(config)
    assert result['flops'] > 0
