"""Registries of mmiic.

mmsegmentation and mmpretrain keep separate registries that are both children
of mmengine's root registries. mmiic registers every module once, in the root
registry of its kind, so that configs of either scope find it: a child
registry falls back to its parent when a type is not its own. This is what
lets one ``IICLoss``, one head-alternation hook and one cluster metric serve
both the segmentor (``default_scope='mmseg'``) and the classifier
(``default_scope='mmpretrain'``).
"""
from mmengine.registry import DATA_SAMPLERS, DATASETS, HOOKS, METRICS, MODELS, TRANSFORMS, VISUALIZERS

__all__ = ['DATASETS', 'DATA_SAMPLERS', 'HOOKS', 'METRICS', 'MODELS', 'TRANSFORMS', 'VISUALIZERS']
