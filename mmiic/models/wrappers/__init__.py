from .distributed import IICDistributedDataParallel

__all__ = ['IICDistributedDataParallel']
