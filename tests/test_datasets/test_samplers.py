from types import SimpleNamespace

import numpy as np
import pytest

from mmiic.datasets import HeadSubsetSampler


class _Dataset:
    """10 samples; 0..3 train the main head, all train the overclustering head."""

    def __len__(self):
        return 10

    def head_indices(self, head):
        return np.arange(4) if head == 'main' else np.arange(10)


def test_each_epoch_iterates_the_active_heads_samples_once():
    sampler = HeadSubsetSampler(_Dataset(), seed=3)
    assert sorted(sampler) == [0, 1, 2, 3] and len(sampler) == 4
    sampler.set_active_head('overcluster')
    first = list(sampler)
    assert sorted(first) == list(range(10)) and len(sampler) == 10
    assert list(sampler) == first  # seeded by (seed, epoch)
    sampler.set_epoch(1)
    assert list(sampler) != first and sorted(sampler) == list(range(10))


def test_ranks_split_each_heads_samples(monkeypatch):
    import mmiic.datasets.samplers as samplers
    parts = []
    for rank in range(3):
        monkeypatch.setattr(samplers, 'get_dist_info', lambda rank=rank: (rank, 3))
        sampler = HeadSubsetSampler(_Dataset(), seed=0)
        parts.append(list(sampler))
        assert len(sampler) == 2
    assert set(sum(parts, [])) == {0, 1, 2, 3} and len(sum(parts, [])) == 6  # padded to 3 x 2


def test_data_set_without_head_indices_is_refused():
    with pytest.raises(TypeError, match='head_indices'):
        HeadSubsetSampler(SimpleNamespace(), seed=0)
