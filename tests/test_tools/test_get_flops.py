"""tools/analysis_tools/get_flops.py under mmengine's analysis, for both model kinds."""
import os.path as osp

import pytest
from conftest import MNIST_CONFIG, MOSAIC_CONFIG, ROOT, load_tool
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

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
