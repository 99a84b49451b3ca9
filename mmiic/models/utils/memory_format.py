"""Run a backbone in channels-last memory format, invisibly to the rest of the model."""
from typing import Any, Tuple

import torch
import torch.nn as nn


def _to_channels_last(value: Any) -> Any:
    if isinstance(value, torch.Tensor) and value.dim() == 4:
        return value.contiguous(memory_format=torch.channels_last)
    return value


def _to_contiguous(value: Any) -> Any:
    if isinstance(value, torch.Tensor) and value.dim() == 4:
        return value.contiguous()
    if isinstance(value, dict):
        return type(value)((k, _to_contiguous(v)) for k, v in value.items())
    if isinstance(value, tuple) and hasattr(value, '_fields'):  # a namedtuple
        return type(value)(*(_to_contiguous(v) for v in value))
    if isinstance(value, (tuple, list)):
        return type(value)(_to_contiguous(v) for v in value)
    return value


def _inputs_hook(module: nn.Module, args: Tuple) -> Tuple:
    return tuple(_to_channels_last(a) for a in args)


def _outputs_hook(module: nn.Module, args: Tuple, output: Any) -> Any:
    return _to_contiguous(output)


def use_channels_last(backbone: nn.Module) -> nn.Module:
    """Make ``backbone`` compute in channels-last (NHWC) memory format.

    Its 4-D weights are stored channels-last, its 4-D inputs [N, C, H, W] are
    made channels-last on the way in and its 4-D outputs (a tensor, or a
    tuple/list/namedtuple/dict of them) contiguous (NCHW) on the way out, so
    necks, heads and losses see the usual layout. Shapes and values are
    unchanged (up to float rounding); oneDNN convolutions, batch norm and
    pooling on a CPU run markedly faster this way (README, "Throughput"). Not
    measured on a GPU.

    Returns:
        nn.Module: ``backbone``, changed in place.
    """
    backbone.to(memory_format=torch.channels_last)
    backbone.register_forward_pre_hook(_inputs_hook)
    backbone.register_forward_hook(_outputs_hook)
    return backbone
