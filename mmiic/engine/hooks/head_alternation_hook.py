"""The name of the head-alternation hook of earlier versions, kept to say where it went."""
from mmengine.hooks import Hook

from mmiic.registry import HOOKS


@HOOKS.register_module()
class HeadAlternationHook(Hook):
    """Replaced by the train loops :class:`HeadAlternatingEpochBasedTrainLoop`
    and :class:`HeadAlternatingIterBasedTrainLoop`, which own the alternation
    (no alias: the hook had to rewrite the loop's length after mmengine had
    sized the optimizer wrapper and the schedulers from it). Building it
    raises an error that says how to move its arguments."""

    def __init__(self, **kwargs) -> None:
        raise ValueError(
            f'mmiic.HeadAlternationHook({", ".join(f"{k}={v!r}" for k, v in kwargs.items())}) '
            'was replaced by a train loop: remove it from custom_hooks and set '
            "train_cfg=dict(type='mmiic.HeadAlternatingEpochBasedTrainLoop', max_epochs=..., "
            'head_order=..., epochs_per_head=...) for an epoch-based schedule, or '
            "train_cfg=dict(type='mmiic.HeadAlternatingIterBasedTrainLoop', max_iters=..., "
            'head_order=..., interval=..., intervals_per_head=...) for blocks of iterations '
            '(the former by_epoch=False; its epochs_per_head become intervals_per_head)')
