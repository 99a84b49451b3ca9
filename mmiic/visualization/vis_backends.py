"""TensorBoard where it is installed, without making it a requirement."""
from mmengine.logging import print_log
from mmengine.visualization import TensorboardVisBackend
from mmengine.visualization.vis_backend import force_init_env

from mmiic.registry import VISBACKENDS


@VISBACKENDS.register_module()
class OptionalTensorboardVisBackend(TensorboardVisBackend):
    """mmengine's TensorBoard backend, or nothing when TensorBoard is missing.

    The default runtimes list it next to ``LocalVisBackend``: the local files
    (``vis_data/scalars.json``, ``vis_data/vis_image/*.png``) are always
    written, TensorBoard event files too once ``tensorboard`` is installed.
    """

    def _init_env(self) -> None:
        try:
            super()._init_env()
        except ImportError:
            self._tensorboard = None
            print_log('TensorBoard is not installed; the visualizations go to the local '
                      'backend only (pip install tensorboard to get both)', logger='current')

    @force_init_env
    def add_config(self, config, **kwargs) -> None:
        if self._tensorboard is not None:
            super().add_config(config, **kwargs)

    @force_init_env
    def add_image(self, name, image, step=0, **kwargs) -> None:
        if self._tensorboard is not None:
            super().add_image(name, image, step, **kwargs)

    @force_init_env
    def add_scalar(self, name, value, step=0, **kwargs) -> None:
        if self._tensorboard is not None:
            super().add_scalar(name, value, step, **kwargs)

    @force_init_env
    def add_scalars(self, scalar_dict, step=0, file_path=None, **kwargs) -> None:
        if self._tensorboard is not None:
            super().add_scalars(scalar_dict, step, file_path, **kwargs)

    def close(self) -> None:
        if getattr(self, '_tensorboard', None) is not None:
            self._tensorboard.close()
