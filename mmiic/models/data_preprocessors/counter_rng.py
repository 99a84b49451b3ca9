"""Batched random numbers for the device views.

They are a counter-based hash of (seed, step, rank, sample, stream, draw):
each sample's draws depend only on those integers, never on what was drawn
before, so a resumed run (which restores the step) repeats the
uninterrupted run's views exactly and every rank draws its own views. They
are a few numbers per sample, computed on the host.
"""
import numpy as np

_GOLDEN = np.uint32(0x9E3779B9)


def _mix32(x: np.ndarray) -> np.ndarray:
    """The 'lowbias32' integer hash on uint32 arrays (products wrap mod 2^32)."""
    x = x ^ (x >> np.uint32(16))
    x = x * np.uint32(0x7FEB352D)
    x = x ^ (x >> np.uint32(15))
    x = x * np.uint32(0x846CA68B)
    return x ^ (x >> np.uint32(16))


def counter_uniforms(seed: int, step: int, rank: int, count: int, stream: int,
                     num: int) -> np.ndarray:
    """Uniforms in [0, 1) keyed by (seed, step, rank, sample, stream, draw).

    Args:
        seed (int): 32-bit seed. step (int): the training step.
        rank (int): process rank. count (int): N samples.
        stream (int): which transform of which view draws.
        num (int): draws per sample.

    Returns:
        np.ndarray: [N, num] float64.
    """
    # The parts are absorbed one after the other, key <- mix(key ^ part): a
    # bijection of the key for each part, and the order matters. (XOR-ing
    # one hash per part made the key symmetric in seed and step: (0, 2) drew
    # the views of (2, 0).)
    key = _mix32(np.array([_GOLDEN], np.uint32))
    for part in (seed, step & 0xFFFFFFFF, step >> 32, rank, stream):
        key = _mix32(key ^ np.uint32(part & 0xFFFFFFFF))
    sample = _mix32(key ^ np.arange(count, dtype=np.uint32)[:, None])
    draw = np.arange(num, dtype=np.uint32)[None]
    return _mix32(_mix32(sample) ^ draw).astype(np.float64) / 2.0**32
