"""Load mmengine's own checkpoints under torch >= 2.6 without trusting pickles.

torch 2.6 switched ``torch.load`` to ``weights_only=True``. mmengine 0.10.7
still calls ``torch.load(filename, map_location=...)``, and a checkpoint written
by its Runner holds more than tensors: the message hub's ``HistoryBuffer``
objects (numpy arrays, numpy scalars, and the buffer's statistics methods,
pickled as ``getattr(HistoryBuffer, 'mean')``). So ``--resume`` and
``load_from`` fail with an ``UnpicklingError``.

mmiic re-registers the local file loader through mmengine's extension point
(``CheckpointLoader.register_scheme``) with a loader that keeps
``weights_only=True`` and, for the duration of the load only, allows exactly the
globals such a checkpoint holds (:data:`MMENGINE_CHECKPOINT_GLOBALS`, the list
``torch.serialization.get_unsafe_globals_in_checkpoint`` gives for a Runner
checkpoint). ``builtins.getattr`` is never allowed as such: the name is mapped
to :func:`_history_buffer_getattr`, which resolves only the statistics methods
of ``HistoryBuffer``, because an unrestricted ``getattr`` lets a crafted pickle
walk from any allowed object to ``eval``. Anything else in a pickle (``os.system``,
a class with a malicious ``__reduce__``) is refused by torch before it runs;
globals a user allowed with ``torch.serialization.add_safe_globals`` (for a
checkpoint they trust) stay allowed.
"""
import os.path as osp
import pickle
from typing import Callable, List, Tuple, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader
from mmengine.utils import digit_version

SafeGlobal = Union[Callable, Tuple[Callable, str]]

# Data types of the numpy arrays and scalars in a message hub (the log history
# is float64, the counts int64; hooks may log other numeric scalars). Object,
# string and structured dtypes are left out.
_NUMPY_NUMERIC_DTYPES = ('bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32',
                         'uint64', 'float16', 'float32', 'float64')
# HistoryBuffer pickles these in its state (``statistics_methods``).
_HISTORY_BUFFER_METHODS = ('min', 'max', 'current', 'mean')


def _history_buffer_getattr(obj: object, name: str) -> Callable:
    """Stand-in for ``builtins.getattr`` while unpickling a checkpoint.

    Args:
        obj (object): must be the ``HistoryBuffer`` class.
        name (str): one of its statistics methods (``min``, ``max``,
            ``current``, ``mean``).

    Returns:
        Callable: the method, as plain ``getattr`` would return it.
    """
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_METHODS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'refusing getattr({obj!r}, {name!r}) in a checkpoint: only the statistics '
        f'methods {_HISTORY_BUFFER_METHODS} of mmengine HistoryBuffer are allowed')


def _numpy_globals() -> List[SafeGlobal]:
    """numpy's array/dtype/scalar reconstructors, under numpy 1.x and 2.x names.

    numpy 2 moved ``numpy.core`` to ``numpy._core``; a checkpoint keeps the
    names of the numpy that wrote it, so both spellings map to the functions of
    the installed numpy. Unpickling a dtype sets the state of an instance of
    its class (``numpy.dtypes.Float64DType``, ...), so those classes are needed
    too.
    """
    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    found: List[SafeGlobal] = [np.ndarray, np.dtype]
    found.extend(type(np.dtype(name)) for name in _NUMPY_NUMERIC_DTYPES)
    for package in ('numpy.core', 'numpy._core'):
        found.append((multiarray._reconstruct, f'{package}.multiarray._reconstruct'))
        found.append((multiarray.scalar, f'{package}.multiarray.scalar'))
    return found


#: Globals of a checkpoint saved by mmengine's Runner (model, optimizer,
#: schedulers, message hub), allowed only while such a checkpoint is loaded.
MMENGINE_CHECKPOINT_GLOBALS: List[SafeGlobal] = [
    HistoryBuffer,
    (_history_buffer_getattr, 'builtins.getattr'),
    *_numpy_globals(),
]


def load_from_local(filename: str, map_location=None) -> dict:
    """Load a local checkpoint written by mmengine, with ``weights_only=True``.

    Args:
        filename (str): path of the checkpoint file.
        map_location: see :func:`torch.load`.

    Returns:
        dict: the loaded checkpoint.

    Raises:
        FileNotFoundError: no such file.
        pickle.UnpicklingError: the file holds a global that is not in
            :data:`MMENGINE_CHECKPOINT_GLOBALS` (nothing of it was run).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    with torch.serialization.safe_globals(MMENGINE_CHECKPOINT_GLOBALS):
        return torch.load(filename, map_location=map_location, weights_only=True)


def register_checkpoint_loader() -> None:
    """Install :func:`load_from_local` for plain paths where torch needs it.

    Before torch 2.6 ``torch.load`` unpickles everything by default and
    mmengine's own loader works unchanged, so it is left alone there.
    """
    if digit_version(torch.__version__) >= digit_version('2.6.0'):
        CheckpointLoader.register_scheme(prefixes='', loader=load_from_local, force=True)
