from .distributed import IICDistributedDataParallel, unwrap_model

__all__ = ['IICDistributedDataParallel', 'unwrap_model']
