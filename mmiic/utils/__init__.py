from .checkpoint_compat import load_from_http, load_from_local, register_checkpoint_loader
from .device import device_summary
from .dist_compat import register_cpu_dist_launcher, shutdown_distributed
from .setup_env import register_all_modules

__all__ = [
    'device_summary', 'load_from_http', 'load_from_local', 'register_all_modules',
    'register_checkpoint_loader', 'register_cpu_dist_launcher', 'shutdown_distributed'
]
