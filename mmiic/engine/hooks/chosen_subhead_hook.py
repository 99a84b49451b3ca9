"""Predict with the sub-head the evaluation chose, and keep that choice in checkpoints."""
import os.path as osp
import warnings
from collections import deque
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.runner.checkpoint import CheckpointLoader, save_checkpoint

from mmiic.models.heads.cluster_heads import ClusterHeads
from mmiic.models.wrappers import unwrap_model
from mmiic.registry import HOOKS

META_KEY = 'test_subhead'
# Buffer of ClusterHeads that holds the predicting sub-head in the model's state.
STATE_KEY = 'test_subhead_index'


def _model(runner) -> nn.Module:
    return unwrap_model(runner.model)


def _heads(runner):
    return _model(runner).cluster_heads


def chosen_subhead(metrics: Optional[dict]) -> Optional[int]:
    """The ``.../chosen_subhead`` entry of a metrics dict, if any."""
    for key, value in (metrics or {}).items():
        if key.split('/')[-1] == 'chosen_subhead':
            return int(value)
    return None


def subhead_state_keys(model: nn.Module) -> List[str]:
    """State-dict keys of the predicting sub-head of each :class:`ClusterHeads`
    in ``model`` (``cluster_heads.test_subhead_index`` for a classifier,
    ``decode_head.cluster_heads.test_subhead_index`` for a segmentor)."""
    return [f'{name}.{STATE_KEY}' if name else STATE_KEY
            for name, module in model.named_modules() if isinstance(module, ClusterHeads)]


def restore_subhead_from_meta(model: nn.Module, checkpoint: dict) -> None:
    """Put ``meta['test_subhead']`` of an older checkpoint into its state dict.

    Checkpoints written before the predicting sub-head was part of the
    model's state (``ClusterHeads.test_subhead_index``) hold it in their
    meta only; this adds the state-dict entry, in place and before the
    weights are loaded, so that they load (strictly) and predict with their
    chosen sub-head. A checkpoint whose state and meta disagree is refused.
    Weights of the heads with neither (a bare state dict exported before, or
    a checkpoint saved without :class:`ChosenSubheadHook`) get sub-head 0,
    with a warning.

    Args:
        model (nn.Module): the (unwrapped) model the checkpoint is loaded into.
        checkpoint (dict): as loaded (``state_dict`` and ``meta``, or bare
            weights).
    """
    bare = 'state_dict' not in checkpoint
    index = None if bare else (checkpoint.get('meta') or {}).get(META_KEY)
    state = checkpoint if bare else checkpoint['state_dict']
    prefix = 'module.' if state and all(k.startswith('module.') for k in state) else ''
    for key in subhead_state_keys(model):
        stored = state.get(prefix + key)
        heads = prefix + key[:-len(STATE_KEY)]
        if stored is None and index is None:
            if not any(k.startswith(heads) for k in state):
                continue  # no weights of these heads either (e.g. a backbone): nothing to choose
            warnings.warn(
                f'the checkpoint holds no predicting sub-head (no {key} in its weights, no '
                f"meta['{META_KEY}']: weights exported before the sub-head was part of the "
                'model\'s state, or saved without ChosenSubheadHook): predicting with sub-head '
                '0. If its training chose another one, set it on the loaded model '
                '(model.cluster_heads.test_subhead = k, e.g. after mmiic.apis.init_model), or '
                'let tools/test.py choose one on an evaluation set.')
            state[prefix + key] = torch.tensor(0, dtype=torch.int64)
        elif stored is None:
            state[prefix + key] = torch.tensor(int(index), dtype=torch.int64)
        elif index is not None and int(stored) != int(index):
            raise ValueError(f"the checkpoint names two predicting sub-heads: meta['{META_KEY}'] "
                             f'is {index}, its state dict {prefix + key} is {int(stored)}')


def lowest_mean_loss(losses: Sequence[Sequence[float]]) -> int:
    """Index of the sub-head with the lowest mean loss.

    Args:
        losses: [iterations][sub-heads] loss values.
    """
    count = len(losses[0])
    means = [sum(row[i] for row in losses) / len(losses) for i in range(count)]
    return min(range(count), key=means.__getitem__)


@HOOKS.register_module()
class ChosenSubheadHook(Hook):
    """Make the model predict with the sub-head the metric chose.

    :class:`ClusterMetric` reports ``chosen_subhead`` (lowest IIC loss on the
    evaluation set, no labels). After each validation or test this hook sets
    ``cluster_heads.test_subhead`` to it. The index is part of the model's
    state (``cluster_heads.test_subhead_index``), so every checkpoint saved
    later holds it in its weights, where any consumer of them finds it
    (:func:`mmiic.apis.init_model`, ``--resume``/``load_from``, mmpretrain's
    and mmseg's inferencers, exported weights); it is also written into the
    meta (``meta['test_subhead']``). The hook updates the checkpoint saved
    just before this validation: mmengine saves an iteration's checkpoint
    before validating at that iteration, so the last checkpoint of a run
    would otherwise carry the previous choice. Older checkpoints, with the
    index in their meta only, get it back on loading
    (:func:`restore_subhead_from_meta`).

    Segmentation metrics rank no sub-heads (their evaluation has no view
    pairs). With ``train_loss_window`` the hook chooses from training
    instead: the main head's sub-head with the lowest mean IIC loss over the
    last ``train_loss_window`` iterations that trained the main head (all
    sub-heads see the same batches, so the means compare like with like; under
    ``global_joint`` every rank logs the same global-batch losses and makes the
    same choice). The choice is updated after every such iteration, so every
    checkpoint carries the current one; a metric's choice, where a metric
    makes one, replaces it until the next training iteration. After
    ``--resume`` the window starts empty and the loaded choice stands until
    the first main-head iteration. Without ``train_loss_window``, a training
    that never validates (``tools/train.py --no-validate``) makes no choice:
    the hook warns that its checkpoints predict with the current sub-head.

    Args:
        train_loss_window (int, optional): main-head iterations whose
            per-sub-head losses are averaged for the choice from training;
            None (default) chooses from the metrics only.
    """

    priority = 'NORMAL'  # before CheckpointHook's save_best (VERY_LOW) in after_val_epoch

    def __init__(self, train_loss_window: Optional[int] = None) -> None:
        if train_loss_window is not None and train_loss_window < 1:
            raise ValueError(f'train_loss_window must be >= 1 or None, got {train_loss_window}')
        self.train_loss_window = train_loss_window
        self._recent_losses = deque(maxlen=train_loss_window or 1)

    def before_train(self, runner) -> None:
        heads = _heads(runner)
        if self.train_loss_window is not None or runner.val_loop is not None or (
                heads.num_subheads < 2):
            return
        warnings.warn(
            'this training never validates (val_cfg is None, e.g. tools/train.py '
            '--no-validate) and ChosenSubheadHook chooses the predicting sub-head from '
            f'validation metrics only: the checkpoints will predict with sub-head '
            f'{heads.test_subhead} of {heads.num_subheads}, the current one (the initial one or '
            'that of the loaded checkpoint), not one chosen on this training. To choose one, run '
            'tools/test.py CONFIG CHECKPOINT on a labelled or an unlabelled evaluation set (the '
            'metric ranks the sub-heads by IIC loss, no labels needed; cluster_mapping.json '
            'records the choice for tools/infer.py --mapping), or train with '
            "dict(type='mmiic.ChosenSubheadHook', train_loss_window=100) in custom_hooks (the "
            'lowest training loss over the last 100 main-head iterations).')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if self.train_loss_window is None or not outputs:
            return
        heads = _heads(runner)
        keys = [f'main_subhead{i}' for i in range(heads.num_subheads)]
        if any(key not in outputs for key in keys):
            return  # the overclustering head trained this iteration
        self._recent_losses.append([float(outputs[key]) for key in keys])
        heads.test_subhead = lowest_mean_loss(self._recent_losses)

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
        restore_subhead_from_meta(_model(runner), checkpoint)

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
            state = checkpoint.get('state_dict', {})
            for key in subhead_state_keys(_model(runner)):
                if key in state:
                    state[key] = torch.tensor(index, dtype=torch.int64)
            save_checkpoint(checkpoint, path)
