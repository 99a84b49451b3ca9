"""mmiic: Invariant Information Clustering for OpenMMLab.

Importing mmiic changes nothing in mmengine: the safe checkpoint loaders
(:func:`mmiic.utils.register_checkpoint_loader`) and the CPU process group of
distributed runs (:func:`mmiic.utils.start_distributed`) are set up by the
tools, :func:`mmiic.utils.register_all_modules`, :func:`mmiic.apis.init_model`
and the configs' ``CheckpointCheckHook``.
"""
from .version import __version__

# Importing the sub-packages fills mmiic's own registries (scope 'mmiic', see
# mmiic.registry); configs of the mmseg and mmpretrain scopes reach them as
# 'mmiic.<Name>'. Nothing is registered in mmengine's root registries.
from . import datasets, engine, evaluation, models, visualization  # noqa: F401

__all__ = ['__version__']
