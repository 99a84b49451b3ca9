"""Start distributed runs of mmengine 0.10 on machines without CUDA.

mmengine's ``pytorch`` launcher (``_init_dist_pytorch``) calls
``torch.cuda.set_device(LOCAL_RANK)`` unconditionally and hands the
configured backend (``nccl`` in every mmiic config) to
``init_process_group``, so ``bash tools/dist_train.sh CONFIG 2`` would fail on
a CPU-only machine (and in CI). mmengine's Runner skips its ``init_dist``
when a process group exists, so :func:`start_distributed` starts one with
gloo (NCCL needs CUDA; gloo is the CPU backend of torch.distributed) before
``tools/train.py`` and ``tools/test.py`` build their Runner. Nothing of
mmengine is changed: where CUDA or another accelerator that mmengine handles
is present, and for the ``slurm`` and ``mpi`` launchers (GPU clusters), the
Runner starts the group itself, as it always does. The model side, DDP
without ``device_ids`` on the CPU, is
:class:`mmiic.models.wrappers.IICDistributedDataParallel`.

:func:`shutdown_distributed` is the other end: ``tools/train.py`` and
``tools/test.py`` call it before the interpreter exits.
"""
import datetime
import gc

import torch
import torch.distributed as torch_dist
from mmengine.device import is_mlu_available, is_musa_available, is_npu_available
from mmengine.logging import print_log


def _has_accelerator() -> bool:
    return (torch.cuda.is_available() or is_mlu_available() or is_npu_available()
            or is_musa_available())


def start_distributed(cfg) -> bool:
    """Start the process group of a ``launcher='pytorch'`` run on a machine
    without an accelerator, before its Runner is built.

    Uses gloo whatever ``env_cfg.dist_cfg.backend`` says, with the other
    ``dist_cfg`` entries (``timeout`` in seconds, as mmengine reads it), and
    sets no device. torchrun's environment (``RANK``, ``WORLD_SIZE``,
    ``MASTER_ADDR``, ``MASTER_PORT``) gives the ranks.

    Args:
        cfg (Config): the run's config (``launcher``, ``env_cfg.dist_cfg``).

    Returns:
        bool: whether a process group was started here. False without a
        launcher, when a group exists already, with an accelerator, with
        another launcher or another ``dist_cfg.init_backend`` than 'torch':
        then the Runner starts it with the configured backend, as usual.
    """
    dist_cfg = dict((cfg.get('env_cfg') or {}).get('dist_cfg') or {})
    if (cfg.get('launcher', 'none') != 'pytorch' or torch_dist.is_initialized()
            or _has_accelerator() or dist_cfg.pop('init_backend', 'torch') != 'torch'):
        return False
    backend = dist_cfg.pop('backend', 'nccl')
    if backend != 'gloo':
        print_log(f'No CUDA device: using the gloo backend instead of {backend}.',
                  logger='current')
    if dist_cfg.get('timeout') is not None:
        dist_cfg['timeout'] = datetime.timedelta(seconds=dist_cfg['timeout'])
    torch_dist.init_process_group(backend='gloo', **dist_cfg)
    return True


def shutdown_distributed() -> None:
    """Destroy the process group while the interpreter is still whole.

    A gloo process group that outlives ``Py_Finalize`` aborts its rank now and
    then ("terminate called without an active exception", SIGABRT after all the
    work is done): its worker thread drops the last reference to a finished
    broadcast, whose tensors need the GIL, which a finalising interpreter no
    longer hands out. ``destroy_process_group`` alone does not free the group
    while the finished runner still holds it (the DDP wrapper, in reference
    cycles), so the cycles are collected first; freeing the group then joins
    its threads here. Does nothing outside ``torch.distributed``.
    """
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return
    gc.collect()
    torch_dist.destroy_process_group()
    gc.collect()
