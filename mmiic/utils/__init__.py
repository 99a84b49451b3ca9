from .checkpoint_compat import load_from_local, register_checkpoint_loader

__all__ = ['load_from_local', 'register_checkpoint_loader']
