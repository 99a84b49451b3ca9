"""mmiic's own registry scope: nothing in mmengine's root, reachable from mmseg and mmpretrain."""
import os.path as osp

import mmengine.registry as mmengine_registry
import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.registry import TRANSFORMS as ROOT_TRANSFORMS
from mmengine.registry import Registry

import mmiic
from mmiic.datasets.transforms import IICDenseViews, IICRandomGreyscale, IICRandomRotation
from mmiic.engine.hooks import ChosenSubheadHook, ClusterVisualizationHook, EpochSeedHook
from mmiic.engine.runners import HeadAlternatingEpochBasedTrainLoop
from mmiic.evaluation.metrics import ClusterMetric, SegClusterMetric
from mmiic.models import IICHead, IICLoss, IICSegmentor
from mmiic.utils import register_all_modules

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', 'configs', 'iic')
# The generic names mmiic used to put into mmengine's root TRANSFORMS.
OLD_ROOT_NAMES = ('RandomCropResize', 'CenterCropResize', 'RandomHorizontalFlip', 'RandomRotation',
                  'RandomAffineView', 'RandomColorJitter', 'RandomGreyscale')


def _root_registries():
    return [obj for obj in vars(mmengine_registry).values() if isinstance(obj, Registry)]


def test_root_registries_hold_no_mmiic_module():
    register_all_modules(init_default_scope=False)
    registries = _root_registries()
    assert len(registries) > 10
    for registry in registries:
        assert registry.scope == 'mmengine'
        leaked = [name for name, cls in registry.module_dict.items()
                  if getattr(cls, '__module__', '').startswith('mmiic')]
        assert not leaked, f'{registry.name}: {leaked}'


def test_mmiic_registries_are_children_of_the_root():
    from mmiic import registry
    for name in registry.__all__:
        child = getattr(registry, name)
        assert child.scope == 'mmiic'
        assert child.parent is getattr(mmengine_registry, name)
        assert child.parent._children['mmiic'] is child
    assert 'IICRandomRotation' in registry.TRANSFORMS.module_dict
    assert 'IICLoss' in registry.MODELS.module_dict


@pytest.mark.parametrize('name', OLD_ROOT_NAMES)
def test_another_package_can_register_generic_names_in_the_root(name):
    assert name not in ROOT_TRANSFORMS.module_dict
    other = type(name, (), {'__init__': lambda self, **kw: None})
    try:
        ROOT_TRANSFORMS.register_module(module=other)  # raises KeyError on a clash
        assert ROOT_TRANSFORMS.get(name) is other
        # mmiic's transforms still build under their own names, untouched.
        assert isinstance(ROOT_TRANSFORMS.build(dict(type='mmiic.IICRandomRotation')),
                          IICRandomRotation)
    finally:
        ROOT_TRANSFORMS._module_dict.pop(name, None)


def test_mmcv_greyscale_and_mmiic_greyscale_coexist():
    import mmcv.transforms  # noqa: F401  registers mmcv's RandomGrayscale in the root
    assert ROOT_TRANSFORMS.get('RandomGrayscale').__module__.startswith('mmcv')
    assert isinstance(ROOT_TRANSFORMS.build(dict(type='mmiic.IICRandomGreyscale', prob=1.0)),
                      IICRandomGreyscale)


@pytest.mark.parametrize('scope', ['mmseg', 'mmpretrain'])
def test_prefixed_types_build_from_openmmlab_scopes(scope):
    from mmengine.registry import HOOKS, LOOPS, METRICS, MODELS
    with DefaultScope.overwrite_default_scope(scope):
        assert isinstance(MODELS.build(dict(type='mmiic.IICLoss', lamb=1.5)), IICLoss)
        assert isinstance(HOOKS.build(dict(type='mmiic.ChosenSubheadHook')), ChosenSubheadHook)
        assert LOOPS.get('mmiic.HeadAlternatingEpochBasedTrainLoop') is (
            HeadAlternatingEpochBasedTrainLoop)
        assert isinstance(HOOKS.build(dict(type='mmiic.EpochSeedHook')), EpochSeedHook)
        assert isinstance(HOOKS.build(dict(type='mmiic.ClusterVisualizationHook')),
                          ClusterVisualizationHook)
        assert isinstance(METRICS.build(dict(type='mmiic.ClusterMetric', num_classes=3)),
                          ClusterMetric)
        assert isinstance(METRICS.build(dict(type='mmiic.SegClusterMetric', num_classes=3)),
                          SegClusterMetric)


@pytest.mark.parametrize('scope', ['mmseg', 'mmpretrain'])
def test_prefixed_types_build_from_the_scopes_own_registries(scope):
    """As mmseg's EncoderDecoder builds its decode head: through mmseg.registry.MODELS."""
    registry = __import__(f'{scope}.registry', fromlist=['MODELS'])
    with DefaultScope.overwrite_default_scope(scope):
        assert isinstance(registry.MODELS.build(dict(type='mmiic.IICLoss')), IICLoss)
        assert isinstance(registry.HOOKS.build(dict(type='mmiic.ChosenSubheadHook')),
                          ChosenSubheadHook)
        assert registry.LOOPS.get('mmiic.HeadAlternatingEpochBasedTrainLoop') is (
            HeadAlternatingEpochBasedTrainLoop)
        metric = registry.METRICS.build(dict(type='mmiic.SegClusterMetric', num_classes=2))
        assert isinstance(metric, SegClusterMetric)


def test_cocostuff3_config_builds_under_its_name():
    from mmengine.registry import MODELS, TRANSFORMS
    cfg = Config.fromfile(osp.join(CONFIG_DIR, 'iic_vgg_cocostuff3.py'))
    assert cfg.default_scope == 'mmseg'
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
        views = TRANSFORMS.build(cfg.train_pipeline[-2])
    assert isinstance(model, IICSegmentor)
    assert isinstance(model.decode_head, IICHead)
    losses = model.decode_head.cluster_heads.losses
    assert all(isinstance(loss, IICLoss) for loss in losses.values())
    assert losses['main'].lamb == 1.5
    assert isinstance(views, IICDenseViews)


def test_import_mmiic_version():
    assert isinstance(mmiic.__version__, str)
