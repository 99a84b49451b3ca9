from .checkpoint_compat import load_from_http, load_from_local, register_checkpoint_loader
from .config_loading import load_config, merge_cfg_options, require_test_set
from .device import device_summary
from .dist_compat import shutdown_distributed, start_distributed
from .setup_env import register_all_modules

__all__ = [
    'device_summary', 'load_config', 'load_from_http', 'load_from_local', 'merge_cfg_options',
    'register_all_modules', 'register_checkpoint_loader', 'require_test_set',
    'shutdown_distributed', 'start_distributed'
]
