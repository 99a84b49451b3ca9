"""Which device a run uses, said in words (tools and demos print it)."""
import os

import torch
from mmengine.device import get_device


def device_summary(device: str = None) -> str:
    """E.g. ``'cuda (NVIDIA H200, 1 GPU)'`` or ``'cpu (2 threads)'``.

    Args:
        device (str, optional): defaults to mmengine's choice, which the
            Runner also makes: CUDA when available, else the CPU.
    """
    device = device or get_device()
    if device.startswith('cuda'):
        index = torch.device(device).index or 0
        return f'{device} ({torch.cuda.get_device_name(index)}, {torch.cuda.device_count()} GPU)'
    return f'{device} ({torch.get_num_threads()} threads of {os.cpu_count()} cores)'
