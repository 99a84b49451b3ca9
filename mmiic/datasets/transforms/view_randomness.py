"""Where the random views draw their numbers from: one key per sample.

Every view is a pure function of its image and an integer key, so that it
does not depend on the worker, the rank or the order that loads the image,
and a resumed run repeats the views of the uninterrupted one:

* views made on the CPU (one sample at a time) draw from numpy's global
  random state, seeded inside :func:`seeded_random_state` (which restores
  the caller's state) with :func:`view_seed` of (seed, epoch, index, rank,
  part). :class:`~mmiic.engine.hooks.EpochSeedHook` seeds every sample of
  the Runner's loaders so; evaluation views (epoch :data:`EVAL_EPOCH`)
  take the key ``[seed, index]`` (``[seed, index, part]`` for a later part
  of a ``ConcatDataset``), the one ``IICPairedViews(seed=...)`` seeds its
  own evaluation views with, for loaders built without the hook.
* views made on the device (a batch at a time,
  :mod:`mmiic.models.data_preprocessors.batch_views`) draw batched
  uniforms from :func:`counter_uniforms` of (seed, step, rank, stream,
  sample, draw), a counter-based hash: no state to carry, and a few numbers
  per sample computed on the host.

A view step defines its draws once, in terms of a *draw source*, and runs
them on either: :class:`NumpyDraws` (one sample, numpy's global state, in
call order) or :class:`CounterDraws` (a batch, one column of uniforms per
draw).
"""
import random
from contextlib import contextmanager
from typing import Callable, Iterator, List, Optional, Sequence, Union

import numpy as np
import torch

# The epoch slot of evaluation views: one fixed draw per sample, whatever the
# epoch, the world size or how often the set was evaluated before.
EVAL_EPOCH = 2**31 - 1
# The index slot of the main process's own stream (no sample has it).
MAIN_PROCESS_INDEX = 2**31 - 1
MAX_DRAWS = 8  # the most uniforms one view step takes from its stream


def sample_seed(seed: int, epoch: int, index: int, rank: int = 0, part: int = 0) -> int:
    """The uint32 seed of one sample's random views on the CPU.

    A pure function of (seed, epoch, sample index, rank, part), so the same
    sample draws the same views in the same epoch wherever and whenever it
    is loaded: in any worker, persistent or not, in an uninterrupted or a
    resumed run. ``part`` numbers the data sets of a ``ConcatDataset`` and
    ``index`` is the index within that part, so a part's views do not
    depend on the length of the parts before it (e.g. a subsampled fit
    split before the test split in :class:`ManyToOneEvalDataset`).
    """
    entropy = [int(seed) % 2**32, int(epoch), int(index), int(rank), int(part)]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def view_seed(seed: int, epoch: int, index: int, rank: int = 0,
              part: int = 0) -> Union[int, List[int]]:
    """The key of one sample's views on the CPU, for :func:`seeded_random_state`.

    Training views: :func:`sample_seed` of all five integers. Evaluation
    views (``epoch`` :data:`EVAL_EPOCH`; one rank's as any other's) take
    numpy's array key ``[seed, index]`` (``[seed, index, part]`` for
    ``part`` > 0), which is what ``IICPairedViews(seed=...)`` has seeded
    with since it exists, so the evaluation views (and the sub-head choice
    they drive) of the shipped configs stay what they were.
    """
    if epoch != EVAL_EPOCH:
        return sample_seed(seed, epoch, index, rank, part)
    key = [int(seed) % 2**32, int(index)]
    return key + [int(part)] if part else key


def seed_random_state(seed: Union[int, Sequence[int]], all_devices: bool = False) -> None:
    """Seed ``random``, numpy and torch's CPU generator (all a data pipeline
    can draw from); ``all_devices`` seeds torch's accelerators too
    (:func:`torch.manual_seed`, slower).

    Args:
        seed (int | Sequence[int]): an int, or an array key: numpy takes the
            key as it is (its ``init_by_array``), ``random`` and torch an int
            derived from it.
    """
    scalar = seed if isinstance(seed, (int, np.integer)) else int(
        np.random.SeedSequence([int(v) for v in seed]).generate_state(1)[0])
    random.seed(int(scalar))
    np.random.seed(seed)
    if all_devices:
        torch.manual_seed(int(scalar))
    else:
        torch.default_generator.manual_seed(int(scalar))


@contextmanager
def seeded_random_state(seed: Union[int, Sequence[int], None] = None,
                        restore: bool = True) -> Iterator[None]:
    """Run a block with ``random``, numpy and torch (CPU) seeded by ``seed``
    (None: as they are), then give the caller its states back.

    Args:
        seed (int | Sequence[int], optional): see :func:`seed_random_state`.
        restore (bool): False leaves the states as the block left them (a
            data worker, which draws nothing but views, keeps none).
    """
    states = (random.getstate(), np.random.get_state(),
              torch.default_generator.get_state()) if restore else None
    if seed is not None:
        seed_random_state(seed)
    try:
        yield
    finally:
        if states is not None:
            random.setstate(states[0])
            np.random.set_state(states[1])
            torch.default_generator.set_state(states[2])


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
    """Uniforms in [0, 1) keyed by (seed, step, rank, stream, sample, draw).

    Each sample's draws depend only on those integers, never on what was
    drawn before: a resumed run (which restores the step) repeats the
    uninterrupted run's views exactly, and every rank draws its own views.

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


class NumpyDraws:
    """One sample's draws from numpy's global random state, in call order
    (the CPU transforms). ``column`` arguments are ignored; every result
    has a leading sample axis of length 1, as :class:`CounterDraws` gives N.
    """

    count = 1

    def stream(self, stream: int) -> 'NumpyDraws':
        """The draws of another step: on the CPU, the same running state."""
        return self

    def uniforms(self, column: int, num: int) -> np.ndarray:
        """[1, num] in [0, 1)."""
        return np.random.random_sample(num)[None]

    def uniform(self, column: int, low: float, high: float) -> np.ndarray:
        """[1] in [low, high)."""
        return np.array([np.random.uniform(low, high)])

    def symmetric(self, column: int, bound: float) -> np.ndarray:
        """[1] in [-bound, bound)."""
        return np.array([np.random.uniform(-bound, bound)])

    def below(self, column: int, prob: float) -> np.ndarray:
        """[1] bool, True with probability ``prob``."""
        return np.array([np.random.rand() < prob])

    def choice(self, column: int, options: Sequence[int]) -> np.ndarray:
        """[1] one of ``options``."""
        return np.array([np.random.choice(options)])

    def integers(self, column: int, high: np.ndarray) -> np.ndarray:
        """[1] integer in [0, high) (``high``: [1])."""
        return np.array([np.random.randint(0, int(high[0]))])

    def order(self, column: int, items: Sequence[int], total: int) -> np.ndarray:
        """[1, len(items)] ``items`` (ids below ``total``) in a random order."""
        return np.array([[i for i in np.random.permutation(total) if i in items]],
                        dtype=np.int64).reshape(1, len(items))


class CounterDraws:
    """A batch's draws from counter-based uniforms: draw ``column`` of each
    sample is its uniform in that column, whatever was drawn before.

    Args:
        uniforms (Callable): ``stream -> [N, MAX_DRAWS]`` uniforms in [0, 1)
            of that stream (e.g. :func:`counter_uniforms` of the step), or
            an array: the uniforms of one stream.
        stream (int): the stream of these draws. Defaults to 0.
    """

    def __init__(self, uniforms, stream: int = 0) -> None:
        self._uniforms: Optional[Callable[[int], np.ndarray]] = None
        if callable(uniforms):
            self._uniforms, uniforms = uniforms, uniforms(stream)
        self.u = np.asarray(uniforms, dtype=np.float64)
        self.count = self.u.shape[0]

    def stream(self, stream: int) -> 'CounterDraws':
        """The draws of another stream (another step of the view)."""
        if self._uniforms is None:
            raise ValueError('these draws hold one stream of uniforms only')
        return CounterDraws(self._uniforms, stream)

    def uniforms(self, column: int, num: int) -> np.ndarray:
        return self.u[:, column:column + num]

    def uniform(self, column: int, low: float, high: float) -> np.ndarray:
        # As numpy's uniform(low, high): low + (high - low) u.
        return low + (high - low) * self.u[:, column]

    def symmetric(self, column: int, bound: float) -> np.ndarray:
        return bound * (2 * self.u[:, column] - 1)

    def below(self, column: int, prob: float) -> np.ndarray:
        return self.u[:, column] < prob

    def choice(self, column: int, options: Sequence[int]) -> np.ndarray:
        options = np.asarray(options, dtype=np.float64)
        index = (self.u[:, column] * len(options)).astype(int)
        return options[np.minimum(index, len(options) - 1)]

    def integers(self, column: int, high: np.ndarray) -> np.ndarray:
        return np.floor(self.u[:, column] * high)

    def order(self, column: int, items: Sequence[int], total: int) -> np.ndarray:
        # The ranks of len(items) uniforms: a uniform random order per sample.
        ranks = self.u[:, column:column + len(items)].argsort(axis=1)
        return np.asarray(items, dtype=np.int64)[ranks]


Draws = Union[NumpyDraws, CounterDraws]

__all__ = [
    'CounterDraws', 'Draws', 'EVAL_EPOCH', 'MAIN_PROCESS_INDEX', 'MAX_DRAWS', 'NumpyDraws',
    'counter_uniforms', 'sample_seed', 'seed_random_state', 'seeded_random_state'
]
