"""Predict with the sub-head the evaluation chose, and keep that choice in checkpoints."""
import os.path as osp
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import CheckpointLoader, save_checkpoint

from mmiic.registry import HOOKS

META_KEY = 'test_subhead'


def _heads(runner):
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    return model.cluster_heads


def chosen_subhead(metrics: Optional[dict]) -> Optional[int]:
    """The ``.../chosen_subhead`` entry of a metrics dict, if any."""
    for key, value in (metrics or {}).items():
        if key.split('/')[-1] == 'chosen_subhead':
            return int(value)
    return None


@HOOKS.register_module()
class ChosenSubheadHook(Hook):
    """Make the model predict with the sub-head the metric chose.

    :class:`ClusterMetric` reports ``chosen_subhead`` (lowest IIC loss on the
    evaluation set, no labels). After each validation or test this hook sets
    ``cluster_heads.test_subhead`` to it, writes it into the meta of every
    checkpoint saved later (``meta['test_subhead']``, read back by
    :func:`mmiic.apis.init_model` and on ``--resume``/``load_from``), and
    updates the checkpoint saved just before this validation: mmengine saves
    an iteration's checkpoint before validating at that iteration, so the
    last checkpoint of a run would otherwise carry the previous choice.
    """

    priority = 'NORMAL'  # before CheckpointHook's save_best (VERY_LOW) in after_val_epoch

    def _set(self, runner, metrics: Optional[dict]) -> Optional[int]:
        index = chosen_subhead(metrics)
        if index is not None:
            _heads(runner).test_subhead = index
        return index

    def after_val_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        if self._set(runner, metrics) is not None and is_main_process():
            self._update_last_checkpoint(runner)

    def after_test_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        self._set(runner, metrics)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault('meta', {})[META_KEY] = _heads(runner).test_subhead

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        index = checkpoint.get('meta', {}).get(META_KEY)
        if index is not None:
            _heads(runner).test_subhead = index

    @staticmethod
    def _update_last_checkpoint(runner) -> None:
        path = runner.message_hub.get_info('last_ckpt')
        if not path or not osp.isfile(path):
            return
        checkpoint = CheckpointLoader.load_checkpoint(path, map_location='cpu')
        meta = checkpoint.setdefault('meta', {})
        index = _heads(runner).test_subhead
        # Only the checkpoint of this very iteration describes the validated weights.
        if meta.get('iter') == runner.iter and meta.get(META_KEY) != index:
            meta[META_KEY] = index
            save_checkpoint(checkpoint, path)
