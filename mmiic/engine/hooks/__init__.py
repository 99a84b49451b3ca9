from .epoch_seed_hook import EpochSeedHook
from .head_alternation_hook import HeadAlternationHook

__all__ = ['EpochSeedHook', 'HeadAlternationHook']
