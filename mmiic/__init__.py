"""mmiic: Invariant Information Clustering for OpenMMLab."""
from .utils import register_checkpoint_loader, register_cpu_dist_launcher
from .version import __version__

register_checkpoint_loader()
register_cpu_dist_launcher()

# Importing the sub-packages registers every module in mmengine's root
# registries (see mmiic.registry), reachable from the mmseg and mmpretrain scopes.
from . import datasets, engine, evaluation, models, visualization  # noqa: E402,F401

__all__ = ['__version__']
