"""Per-sample view seeds: the same views per (epoch, sample) in any worker setup."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.dataset import BaseDataset, ConcatDataset, RepeatDataset
from mmengine.structures import BaseDataElement
from torch.utils.data import ConcatDataset as TorchConcat
from torch.utils.data import DataLoader

from mmiic.datasets import ManyToOneEvalDataset
from mmiic.datasets.transforms import IICPairedViews
from mmiic.datasets.transforms.view_randomness import MAIN_PROCESS_INDEX
from mmiic.engine.hooks import EpochSeedHook
from mmiic.engine.hooks.epoch_seed_hook import SeededPipeline, sample_seed


def _draw(results):
    results['draw'] = float(np.random.rand())
    return results


class _Dataset(BaseDataset):
    def __init__(self, n):
        self.n = n
        super().__init__(pipeline=[_draw], serialize_data=False)

    def load_data_list(self):
        return [dict(value=i) for i in range(self.n)]


def _draws(loader):
    return {s['sample_idx']: s['draw'] for batch in loader for s in batch}


def _loader(dataset, **kwargs):
    return DataLoader(dataset, batch_size=2, shuffle=True, collate_fn=list, **kwargs)


def _runner(loader, epoch):
    return SimpleNamespace(seed=7, epoch=epoch, train_dataloader=loader,
                           train_loop=SimpleNamespace(), val_loop=None)


@pytest.mark.parametrize('workers', [dict(num_workers=0),
                                     dict(num_workers=2, persistent_workers=True)])
def test_views_depend_on_epoch_and_sample_only(workers):
    dataset = _Dataset(6)
    loader = _loader(dataset, **workers)
    hook = EpochSeedHook()
    hook.before_train(_runner(loader, 0))
    per_epoch = []
    for epoch in range(3):
        hook.before_train_epoch(_runner(loader, epoch))
        per_epoch.append(_draws(loader))
    for epoch, draws in enumerate(per_epoch):
        expected = {i: float(np.random.RandomState(sample_seed(7, epoch, i, 0)).rand())
                    for i in range(6)}
        assert draws == expected
    assert per_epoch[0] != per_epoch[1]
    # A fresh loader (e.g. a resumed run) that starts at epoch 2 draws the same views.
    fresh = _loader(_Dataset(6), **workers)
    hook2 = EpochSeedHook()
    hook2.before_train(_runner(fresh, 2))
    hook2.before_train_epoch(_runner(fresh, 2))
    assert _draws(fresh) == per_epoch[2]


def test_main_process_streams_are_left_alone_and_parts_get_their_numbers():
    # mmengine's ConcatDataset does not nest; torch's does.
    dataset = TorchConcat([_Dataset(2), ConcatDataset([_Dataset(3), _Dataset(1)])])
    hook = EpochSeedHook(seed=1)
    hook.before_train(_runner(_loader(dataset), 0))
    leaves = [dataset.datasets[0], *dataset.datasets[1].datasets]
    assert [d.pipeline.part for d in leaves] == [0, 1, 2]
    np.random.seed(0)
    expected = np.random.rand()
    np.random.seed(0)
    values = [dataset[i]['draw'] for i in range(6)]
    assert np.random.rand() == expected
    # (part, index within the part) of each sample.
    keys = [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 0)]
    assert values == [float(np.random.RandomState(sample_seed(1, 0, i, 0, part)).rand())
                      for part, i in keys]
    assert len(set(values)) == 6
    hook.before_train(_runner(_loader(dataset), 0))  # idempotent
    assert not isinstance(dataset.datasets[0].pipeline.pipeline, SeededPipeline)


class _EvalDataset(_Dataset):
    """Labelled samples whose pipeline draws a view and packs a data sample."""

    def __init__(self, n):
        self.n = n
        BaseDataset.__init__(self, pipeline=[_draw, _pack], serialize_data=False)


def _pack(results):
    return dict(draw=results['draw'], value=results['value'], data_samples=BaseDataElement())


def test_test_split_views_do_not_depend_on_the_label_fraction():
    """ManyToOneEvalDataset subsamples the fit split before the test split:
    the test samples' evaluation views (and so the chosen sub-head) must not
    move in a label-fraction sweep."""

    def test_views(label_fraction):
        dataset = ManyToOneEvalDataset(_EvalDataset(8), _EvalDataset(5), label_fraction)
        loader = DataLoader(dataset, batch_size=4, collate_fn=list)
        runner = SimpleNamespace(seed=7, val_loop=SimpleNamespace(dataloader=loader))
        EpochSeedHook().before_val(runner)
        items = [item for batch in loader for item in batch]
        assert len(items) == dataset.num_fit + 5
        return [(item['value'], item['draw']) for item in items[dataset.num_fit:]]

    full = test_views(1.0)
    assert [value for value, _ in full] == list(range(5))
    assert test_views(0.5) == full
    assert len({draw for _, draw in full}) == 5


def test_repeated_samples_are_refused():
    with pytest.raises(TypeError, match='RepeatDataset'):
        EpochSeedHook().before_train(_runner(_loader(RepeatDataset(_Dataset(2), 2)), 0))


class _Images(BaseDataset):
    """Four small images through the given pipeline."""

    def __init__(self, pipeline):
        super().__init__(pipeline=pipeline, serialize_data=False)

    def load_data_list(self):
        rng = np.random.default_rng(0)
        return [dict(img=rng.integers(0, 256, (24, 24), dtype=np.uint8)) for _ in range(4)]


def test_seeded_paired_views_are_the_evaluation_views_of_the_hook():
    """One seeding of evaluation views: IICPairedViews(seed=s) in a loader without the hook (as
    tools build them) draws the views that EpochSeedHook, base seed s, gives the same pipeline
    without a seed (before, np.random.seed([s, index]) drew other views than the hook's)."""
    first = [dict(type='mmiic.IICCenterCropResize', crop_size=20, out_size=20)]
    pair = [dict(type='mmiic.IICRandomCropResize', crop_sizes=(12, 16), out_size=20),
            dict(type='mmiic.IICRandomRotation', max_angle=30)]

    def views(dataset, hook_seed=None):
        loader = DataLoader(dataset, batch_size=2, collate_fn=list)
        if hook_seed is not None:
            runner = SimpleNamespace(seed=hook_seed, val_loop=SimpleNamespace(dataloader=loader))
            EpochSeedHook().before_val(runner)
        return [item['view_params'] for batch in loader for item in batch]

    by_seed = views(_Images([IICPairedViews(first, pair, seed=3)]))
    assert by_seed == views(_Images([IICPairedViews(first, pair)]), hook_seed=3)
    assert by_seed == views(_Images([IICPairedViews(first, pair, seed=3)]), hook_seed=3)
    assert by_seed != views(_Images([IICPairedViews(first, pair)]), hook_seed=4)
    assert len({str(params) for params in by_seed}) == 4


def test_the_main_process_is_reseeded_per_epoch_and_rank():
    hook = EpochSeedHook(seed=5)
    hook.before_train_epoch(_runner(None, 2))
    drawn = np.random.rand(), torch.rand(()).item()
    seed = sample_seed(5, 2, MAIN_PROCESS_INDEX, 0)
    expected = torch.rand((), generator=torch.Generator().manual_seed(seed)).item()
    assert drawn == (np.random.RandomState(seed).rand(), expected)
