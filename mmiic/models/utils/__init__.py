from .alignment import align_to_first_view

__all__ = ['align_to_first_view']
