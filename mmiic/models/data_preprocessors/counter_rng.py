"""Batched random numbers for the device views, on any device.

They are a counter-based hash of (seed, step, rank, sample,
stream, draw): each sample's draws depend only on those integers, never on
what was drawn before, so a resumed run (which restores the step) repeats
the uninterrupted run's views exactly, every rank draws its own views, and
CPU and CUDA give the same numbers.
"""
from typing import Union

import torch
from torch import Tensor

_M32 = 0xFFFFFFFF


def _mix32(x: Tensor) -> Tensor:
    """The 'lowbias32' integer hash on int64 tensors holding 32-bit values.

    int64 products wrap modulo 2^64, so masking keeps the exact low 32 bits.
    """
    x = x ^ (x >> 16)
    x = (x * 0x7FEB352D) & _M32
    x = x ^ (x >> 15)
    x = (x * 0x846CA68B) & _M32
    return x ^ (x >> 16)


def counter_uniforms(seed: int, step: int, rank: int, count: int, stream: int, num: int,
                     device: Union[str, torch.device] = 'cpu') -> Tensor:
    """Uniforms in [0, 1) keyed by (seed, step, rank, sample, stream, draw).

    Args:
        seed (int): 32-bit seed. step (int): the training step.
        rank (int): process rank. count (int): N samples.
        stream (int): which transform of which view draws.
        num (int): draws per sample.
        device: where to compute them. Defaults to the CPU.

    Returns:
        Tensor: [N, num] float64.
    """
    key = _mix32(torch.tensor(seed, device=device, dtype=torch.int64) & _M32 ^ 0x9E3779B9)
    for part in (step & _M32, step >> 32, rank, stream):
        key = _mix32(key ^ _mix32(torch.tensor(part, device=device, dtype=torch.int64)
                                  + 0x632BE5AB & _M32))
    sample = torch.arange(count, device=device, dtype=torch.int64)[:, None]
    draw = torch.arange(num, device=device, dtype=torch.int64)[None]
    bits = _mix32(_mix32(key ^ _mix32(sample + 0x85EBCA6B)) ^ draw)
    return bits.double() / 2.0**32
