"""Let mmengine 0.10.7's ``pytorch`` launcher start on machines without CUDA.

mmengine's ``_init_dist_pytorch`` calls ``torch.cuda.set_device(LOCAL_RANK)``
unconditionally and hands the configured backend (``nccl`` in every mmiic
config) to ``init_process_group``, so ``bash tools/dist_train.sh CONFIG 2``
fails on a CPU-only machine (and in CI). Unlike checkpoint loading (see
:mod:`mmiic.utils.checkpoint_compat`) mmengine offers no extension point for
the launcher, and a config cannot skip ``set_device``. So, on ``import mmiic``,
mmiic wraps that one function of ``mmengine.dist.utils`` (``init_dist`` looks
it up there at call time): when neither CUDA nor another accelerator that
mmengine handles is present, the process group is initialised with gloo
(NCCL needs CUDA; gloo is the CPU backend of torch.distributed) and no
device is set. Everywhere else mmengine's function runs unchanged. The model
side, DDP without ``device_ids`` on the CPU, is
:class:`mmiic.models.wrappers.IICDistributedDataParallel`.

The ``slurm`` and ``mpi`` launchers are left as they are (GPU clusters).

:func:`shutdown_distributed` is the other end: ``tools/train.py`` and
``tools/test.py`` call it before the interpreter exits.
"""
import gc

import torch
import torch.distributed as torch_dist
from mmengine.device import is_mlu_available, is_musa_available, is_npu_available
from mmengine.dist import utils as dist_utils
from mmengine.logging import print_log


def _has_accelerator() -> bool:
    return (torch.cuda.is_available() or is_mlu_available() or is_npu_available()
            or is_musa_available())


def _wrap_init_dist_pytorch(init_dist_pytorch):
    """Make ``init_dist_pytorch`` (mmengine's) fall back to gloo on a CPU."""

    def init_dist_pytorch_cpu_aware(backend: str = 'nccl', init_backend: str = 'torch',
                                    **kwargs) -> None:
        if _has_accelerator() or init_backend != 'torch':
            return init_dist_pytorch(backend, init_backend=init_backend, **kwargs)
        if backend != 'gloo':
            print_log(f'No CUDA device: using the gloo backend instead of {backend}.',
                      logger='current')
        torch_dist.init_process_group(backend='gloo', **kwargs)

    init_dist_pytorch_cpu_aware.mmiic_wraps = init_dist_pytorch
    return init_dist_pytorch_cpu_aware


def register_cpu_dist_launcher() -> None:
    """Install the CPU-aware ``pytorch`` launcher, once."""
    if not hasattr(dist_utils._init_dist_pytorch, 'mmiic_wraps'):
        dist_utils._init_dist_pytorch = _wrap_init_dist_pytorch(dist_utils._init_dist_pytorch)


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
