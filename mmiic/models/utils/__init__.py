from .alignment import align_to_first_view
from .memory_format import use_channels_last

__all__ = ['align_to_first_view', 'use_channels_last']
