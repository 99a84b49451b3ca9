from .checkpoint_compat import load_from_local, register_checkpoint_loader
from .setup_env import register_all_modules

__all__ = ['load_from_local', 'register_all_modules', 'register_checkpoint_loader']
