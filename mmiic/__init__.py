"""mmiic: Invariant Information Clustering for OpenMMLab."""
from .utils import register_checkpoint_loader, register_cpu_dist_launcher
from .version import __version__

register_checkpoint_loader()
register_cpu_dist_launcher()

# Importing the sub-packages fills mmiic's own registries (scope 'mmiic', see
# mmiic.registry); configs of the mmseg and mmpretrain scopes reach them as
# 'mmiic.<Name>'. Nothing is registered in mmengine's root registries.
from . import datasets, engine, evaluation, models, visualization  # noqa: E402,F401

__all__ = ['__version__']
