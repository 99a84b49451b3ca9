"""DDP wrapper for IIC models: alternating heads, and CPU (gloo) training."""
import logging
from typing import List, Optional

import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel, is_model_wrapper, revert_sync_batchnorm

from mmiic.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class IICDistributedDataParallel(MMDistributedDataParallel):
    """mmengine's ``MMDistributedDataParallel`` with defaults that IIC needs.

    Selected in the configs (``configs/_base_/default_runtime_*.py``) by::

        model_wrapper_cfg = dict(type='mmiic.IICDistributedDataParallel',
                                 find_unused_parameters=True)

    Differences from mmengine's wrapper:

    * ``find_unused_parameters`` defaults to True. IIC trains one head at a
      time (:class:`~mmiic.engine.HeadAlternatingEpochBasedTrainLoop`), so the inactive
      head's parameters get no gradient in an iteration, which plain DDP
      rejects at the next one. Told to look, DDP finds them after each
      forward, and as they are unused on every rank it leaves their
      ``.grad`` untouched (None after the optimizer's ``zero_grad``): Adam
      skips them, as it does in a single process. This costs one traversal
      of the autograd graph per iteration. The alternatives do worse:
      adding ``0 * sum(inactive parameters)`` to the loss would hand the
      inactive head zero gradients, which Adam's momentum turns into
      updates, and ``static_graph`` does not fit a graph that changes with
      the active head.
    * ``device_ids`` is dropped for a module on the CPU. mmengine's Runner
      always passes ``[LOCAL_RANK]``, which DDP accepts only for a module on
      one GPU; a CPU module (gloo on a machine without CUDA, see
      :mod:`mmiic.utils.dist_compat`) needs None.
    * SyncBatchNorm layers of a module on the CPU (``sync_bn='torch'`` in a
      config meant for GPUs) are turned back into BatchNorm, with a warning:
      torch's SyncBatchNorm needs CUDA, and DDP refuses it on the CPU.
    * Buffers (BatchNorm running statistics) are broadcast from rank 0 at
      every forward, DDP's default, which the wrapper mmengine's Runner
      builds without a ``model_wrapper_cfg`` turns off. Every rank then
      evaluates with (almost) rank 0's statistics, and a run resumed from a
      checkpoint, which holds rank 0's buffers only, repeats the other
      ranks' buffers exactly too.

    Args:
        module (nn.Module): the model (an mmengine ``BaseModel``).
        device_ids (list[int], optional): GPU of this rank; ignored for a
            module whose parameters are all on the CPU.
        find_unused_parameters (bool): see above. Defaults to True.
        **kwargs: other arguments of ``MMDistributedDataParallel`` and
            ``torch.nn.parallel.DistributedDataParallel``.
    """

    def __init__(self,
                 module: nn.Module,
                 device_ids: Optional[List[int]] = None,
                 find_unused_parameters: bool = True,
                 **kwargs) -> None:
        if all(p.device.type == 'cpu' for p in module.parameters()):
            device_ids = None
            synced = sum(isinstance(m, nn.SyncBatchNorm) for m in module.modules())
            if synced:
                print_log(f'SyncBatchNorm needs CUDA: its {synced} layers go back to BatchNorm on '
                          'the CPU, with batch statistics per process.', logger='current',
                          level=logging.WARNING)
                module = revert_sync_batchnorm(module)
        super().__init__(
            module=module,
            device_ids=device_ids,
            find_unused_parameters=find_unused_parameters,
            **kwargs)


def unwrap_model(model: nn.Module) -> nn.Module:
    """The model inside a model wrapper (``IICDistributedDataParallel``, DDP,
    ...), or ``model`` itself: what hooks and tools read and change."""
    return model.module if is_model_wrapper(model) else model
