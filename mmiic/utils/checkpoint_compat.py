"""Load mmengine's own checkpoints under torch >= 2.6 without trusting pickles.

torch 2.6 switched ``torch.load`` to ``weights_only=True``. mmengine 0.10.7
still calls ``torch.load(filename, map_location=...)``, and a checkpoint written
by its Runner holds more than tensors: the message hub's ``HistoryBuffer``
objects (numpy arrays, numpy scalars, and the buffer's statistics methods,
pickled as ``getattr(HistoryBuffer, 'mean')``). So ``--resume`` and
``load_from`` fail with an ``UnpicklingError``.

mmiic registers, when asked (:func:`register_checkpoint_loader`; ``import
mmiic`` changes nothing in mmengine), the local file loader and the URL loaders (``http://``,
``https://``, ``open-mmlab://``, ``openmmlab://``, ``torchvision://``,
``modelzoo://``, ``mmcls://``; mmengine's versions of the last five call its
``load_from_http`` by name, which downloads through
``torch.hub.load_state_dict_from_url`` with ``weights_only=False``) through
mmengine's extension point (``CheckpointLoader.register_scheme``) with loaders
that keep
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

Who installs them: ``tools/train.py``, ``tools/test.py`` and the other tools that load
checkpoints, :func:`mmiic.utils.register_all_modules`, :func:`mmiic.apis.init_model`, and
:class:`mmiic.engine.hooks.CheckpointCheckHook` (``default_hooks.checkpoint_check`` of every
mmiic config) when its Runner starts, before the Runner loads ``load_from`` or resumes. The
loaders follow mmengine 0.10's ``CheckpointLoader`` (its scheme table and URL helpers); on
another mmengine version they are not installed, with a warning.
"""
import os
import os.path as osp
import pickle
import warnings
from typing import Callable, List, Optional, Tuple, Union

import mmengine
import numpy as np
import torch
from mmengine.dist import get_dist_info
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import (CheckpointLoader, get_deprecated_model_names,
                                        get_external_models, get_mmcls_models,
                                        get_torchvision_models)
from mmengine.utils import digit_version

#: The mmengine release series whose ``CheckpointLoader`` these loaders stand in for.
SUPPORTED_MMENGINE = (0, 10)

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


def _load_url(url: str, map_location, model_dir: Optional[str], progress: bool) -> dict:
    with torch.serialization.safe_globals(MMENGINE_CHECKPOINT_GLOBALS):
        return torch.hub.load_state_dict_from_url(
            url, model_dir=model_dir, map_location=map_location, progress=progress,
            weights_only=True)


def load_from_http(filename: str, map_location=None, model_dir: Optional[str] = None,
                   progress: bool = os.isatty(0)) -> dict:
    """Download (into ``TORCH_HOME/hub/checkpoints``) and load a checkpoint URL.

    Same as mmengine's ``load_from_http`` (rank 0 downloads first in
    distributed runs) but loads with ``weights_only=True`` and only
    :data:`MMENGINE_CHECKPOINT_GLOBALS` allowed.

    Args:
        filename (str): ``http://`` or ``https://`` URL.
        map_location: see :func:`torch.load`.
        model_dir (str, optional): download folder; torch.hub's by default.
        progress (bool): show a download progress bar.

    Returns:
        dict: the loaded checkpoint.

    Raises:
        pickle.UnpicklingError: the file holds a global that is not allowed.
    """
    rank, world_size = get_dist_info()
    checkpoint = None
    if rank == 0:
        checkpoint = _load_url(filename, map_location, model_dir, progress)
    if world_size > 1:
        torch.distributed.barrier()
        if rank > 0:
            checkpoint = _load_url(filename, map_location, model_dir, progress)
    return checkpoint


def load_from_torchvision(filename: str, map_location=None) -> dict:
    """``torchvision://NAME`` (or the deprecated ``modelzoo://NAME``), loaded safely."""
    prefix = 'modelzoo://' if filename.startswith('modelzoo://') else 'torchvision://'
    return load_from_http(get_torchvision_models()[filename[len(prefix):]],
                          map_location=map_location)


def load_from_openmmlab(filename: str, map_location=None) -> dict:
    """``open-mmlab://NAME`` / ``openmmlab://NAME``, resolved as mmengine does
    (its model list, deprecated names, URLs or files under the mmengine home),
    loaded safely."""
    # Private helpers of mmengine 0.10, imported here so that another mmengine
    # version fails at register_checkpoint_loader's check, not at ``import mmiic``.
    from mmengine.runner.checkpoint import _get_mmengine_home
    prefix = 'open-mmlab://' if filename.startswith('open-mmlab://') else 'openmmlab://'
    model_name = filename[len(prefix):]
    model_name = get_deprecated_model_names().get(model_name, model_name)
    model_url = get_external_models()[model_name]
    if model_url.startswith(('http://', 'https://')):
        return load_from_http(model_url, map_location=map_location)
    return load_from_local(osp.join(_get_mmengine_home(), model_url), map_location=map_location)


def load_from_mmcls(filename: str, map_location=None) -> dict:
    """``mmcls://NAME``, loaded safely and converted as mmengine does."""
    from mmengine.runner.checkpoint import _process_mmcls_checkpoint
    checkpoint = load_from_http(get_mmcls_models()[filename[len('mmcls://'):]],
                                map_location=map_location)
    return _process_mmcls_checkpoint(checkpoint)


#: Scheme prefix -> safe loader, installed by :func:`register_checkpoint_loader`.
SAFE_LOADERS = {
    '': load_from_local,
    'http://': load_from_http,
    'https://': load_from_http,
    'torchvision://': load_from_torchvision,
    'modelzoo://': load_from_torchvision,
    'open-mmlab://': load_from_openmmlab,
    'openmmlab://': load_from_openmmlab,
    'mmcls://': load_from_mmcls,
}


def register_checkpoint_loader() -> bool:
    """Install the safe loaders of :data:`SAFE_LOADERS` in mmengine's
    ``CheckpointLoader`` (for every program in this process; calling it again
    changes nothing).

    Not done by ``import mmiic``: see the module docstring for who calls it.
    Before torch 2.6 ``torch.load`` unpickles everything by default and
    mmengine's own loaders work unchanged, so they are left alone there. On
    an mmengine outside :data:`SUPPORTED_MMENGINE` they are left alone too,
    with a warning: these loaders copy what mmengine 0.10's do (scheme table,
    model-zoo helpers), which another version may have changed.

    Returns:
        bool: whether the safe loaders are in place.
    """
    if digit_version(torch.__version__) < digit_version('2.6.0'):
        return False
    found = tuple(digit_version(mmengine.__version__)[:2])
    if found != SUPPORTED_MMENGINE:
        wanted = '.'.join(map(str, SUPPORTED_MMENGINE))
        warnings.warn(
            f'mmiic\'s safe checkpoint loaders were written for mmengine {wanted}.x, found '
            f'mmengine {mmengine.__version__}: they are not installed, and checkpoints load with '
            'mmengine\'s own loaders (under torch >= 2.6, a Runner checkpoint may then be '
            f'refused with an UnpicklingError). pip install "mmengine=={wanted}.*" to load '
            'Runner checkpoints with mmiic\'s loaders.')
        return False
    for prefix, loader in SAFE_LOADERS.items():
        CheckpointLoader.register_scheme(prefixes=prefix, loader=loader, force=True)
    return True
