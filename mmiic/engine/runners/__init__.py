from .head_alternating_loops import (HeadAlternatingEpochBasedTrainLoop,
                                     HeadAlternatingIterBasedTrainLoop, head_sampler_of)

__all__ = [
    'HeadAlternatingEpochBasedTrainLoop', 'HeadAlternatingIterBasedTrainLoop', 'head_sampler_of'
]
