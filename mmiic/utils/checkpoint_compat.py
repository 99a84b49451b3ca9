"""Make mmengine 0.10.7 load its own checkpoints under torch >= 2.6.

torch 2.6 switched ``torch.load`` to ``weights_only=True``. mmengine 0.10.7
still calls ``torch.load(filename, map_location=...)`` and its checkpoints hold
the message hub, numpy scalars and config objects, so ``--resume`` and
``load_from`` fail with an ``UnpicklingError``. mmiic re-registers the local
file loader through mmengine's own extension point
(``CheckpointLoader.register_scheme``) with ``weights_only=False``: the same
trust model mmengine always had, for checkpoints the user points it at.
"""
import inspect
import os.path as osp

import torch
from mmengine.runner.checkpoint import CheckpointLoader


def load_from_local(filename: str, map_location=None) -> dict:
    """Load a local checkpoint written by mmengine (full pickle).

    Args:
        filename (str): path of the checkpoint file.
        map_location: see :func:`torch.load`.

    Returns:
        dict: the loaded checkpoint.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return torch.load(filename, map_location=map_location, weights_only=False)


def register_checkpoint_loader() -> None:
    """Install :func:`load_from_local` for plain paths, once."""
    if 'weights_only' in inspect.signature(torch.load).parameters:
        CheckpointLoader.register_scheme(prefixes='', loader=load_from_local, force=True)
