"""Registries of mmiic: children of mmengine's root registries, scope ``mmiic``.

mmiic keeps its modules in its own registries, so that nothing it registers
shadows or clashes with another package's names in mmengine's root. Configs of
either OpenMMLab scope reach them with the scope prefix, the way mmseg configs
reach mmpretrain backbones::

    default_scope = 'mmseg'            # or 'mmpretrain' for image clustering
    model = dict(type='mmiic.IICSegmentor', ...,
                 decode_head=dict(type='mmiic.IICHead',
                                  loss_decode=dict(type='mmiic.IICLoss')))

A prefixed type first imports ``mmiic.registry`` and then looks in the ``mmiic``
child of the root; ``locations`` imports the module files on first use, so a
config needs no ``custom_imports`` for the lookup itself. Unprefixed names under
``default_scope='mmiic'`` (see :func:`mmiic.utils.register_all_modules`) work too.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry

MODELS = Registry('model', parent=MMENGINE_MODELS, scope='mmiic', locations=['mmiic.models'])
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, scope='mmiic',
    locations=['mmiic.models.wrappers'])
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, scope='mmiic', locations=['mmiic.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMENGINE_DATA_SAMPLERS, scope='mmiic', locations=['mmiic.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, scope='mmiic', locations=['mmiic.datasets.transforms'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope='mmiic', locations=['mmiic.engine.hooks'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, scope='mmiic', locations=['mmiic.engine.runners'])
METRICS = Registry('metric', parent=MMENGINE_METRICS, scope='mmiic', locations=['mmiic.evaluation'])
VISUALIZERS = Registry(
    'visualizer', parent=MMENGINE_VISUALIZERS, scope='mmiic', locations=['mmiic.visualization'])
VISBACKENDS = Registry(
    'vis_backend', parent=MMENGINE_VISBACKENDS, scope='mmiic', locations=['mmiic.visualization'])

__all__ = [
    'DATASETS', 'DATA_SAMPLERS', 'HOOKS', 'LOOPS', 'METRICS', 'MODELS', 'MODEL_WRAPPERS',
    'TRANSFORMS', 'VISBACKENDS', 'VISUALIZERS'
]
