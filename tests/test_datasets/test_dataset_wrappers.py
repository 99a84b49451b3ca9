"""The fit + test evaluation set of the semi-supervised overclustering protocol."""
import pytest

from mmiic.datasets import ManyToOneEvalDataset
from mmiic.testing import make_potsdam

PIPELINE = [
    dict(type='LoadImageFromFile', color_type='unchanged', imdecode_backend='cv2'),
    dict(type='mmiic.LoadIICAnnotations'),
    dict(type='mmiic.PackIICSegInputs'),
]


def _split(root, name):
    return dict(type='mmiic.PotsdamIICDataset', data_root=root, num_classes=6,
                data_prefix=dict(img_path=f'images/{name}', seg_map_path=f'labels/{name}'),
                pipeline=PIPELINE)


def test_fit_samples_come_first_and_are_marked(tmp_path):
    root = make_potsdam(str(tmp_path), n=3, side=8)
    ds = ManyToOneEvalDataset(_split(root, 'labelled_train'), _split(root, 'labelled_test'))
    assert len(ds) == 6 and ds.num_fit == 3
    for i in range(6):
        sample = ds[i]['data_samples']
        assert sample.mapping_fit is (i < 3)
        assert ('labelled_train' if i < 3 else 'labelled_test') in sample.img_path


@pytest.mark.slow
def test_label_fraction_keeps_a_fixed_random_share_of_the_fit_split(tmp_path):
    root = make_potsdam(str(tmp_path), n=10, side=8)
    train, test = _split(root, 'labelled_train'), _split(root, 'labelled_test')

    def fit_paths(**kwargs):
        ds = ManyToOneEvalDataset(train, test, **kwargs)
        return [ds.get_data_info(i)['img_path'] for i in range(ds.num_fit)], len(ds) - ds.num_fit

    paths, num_test = fit_paths(label_fraction=0.3)
    assert len(paths) == 3 and num_test == 10  # the test split is never subsampled
    assert fit_paths(label_fraction=0.3)[0] == paths  # same subset on every run
    assert fit_paths(label_fraction=0.3, seed=1)[0] != paths
    assert len(fit_paths(label_fraction=0.01)[0]) == 1
    with pytest.raises(ValueError, match=r'label_fraction must lie in \(0, 1\]'):
        ManyToOneEvalDataset(train, test, label_fraction=0)


def test_subset_dataset_is_the_data_set_given_indices(tmp_path):
    """The registered subset: the data set itself, as if built with ``indices`` (same class,
    samples, order and ``sample_idx``), with the indices from a list or a .npy file."""
    import numpy as np
    from mmengine.registry import init_default_scope

    from mmiic.registry import DATASETS
    from mmiic.testing import make_mnist
    root = make_mnist(str(tmp_path / 'mnist'), n_train=8, n_test=4)
    init_default_scope('mmpretrain')
    mnist = dict(type='mmiic.MNISTCluster', data_root=root, pipeline=[])
    chosen = [6, 1, 3]
    np.save(tmp_path / 'chosen.npy', np.array(chosen))
    reference = DATASETS.build(dict(mnist, indices=chosen))
    for indices in (chosen, str(tmp_path / 'chosen.npy')):
        subset = DATASETS.build(dict(type='mmiic.SubsetDataset', dataset=mnist, indices=indices))
        assert type(subset) is type(reference) and len(subset) == 3
        for i in range(3):
            got, expected = subset[i], reference[i]
            assert got['sample_idx'] == expected['sample_idx'] == i
            assert np.array_equal(got['img'], expected['img'])
            assert got['gt_label'] == expected['gt_label']


def test_subset_dataset_names_bad_indices(tmp_path):
    import numpy as np
    from mmengine.registry import init_default_scope

    from mmiic.registry import DATASETS
    from mmiic.testing import make_mnist
    root = make_mnist(str(tmp_path / 'mnist'), n_train=8, n_test=4)
    init_default_scope('mmpretrain')
    mnist = dict(type='mmiic.MNISTCluster', data_root=root, pipeline=[])
    np.save(tmp_path / 'far.npy', np.array([0, 12]))  # 8 train + 4 test images
    with pytest.raises(IndexError, match=r'far\.npy: indices must lie in \[0, 12\)'):
        DATASETS.build(dict(type='mmiic.SubsetDataset', dataset=mnist,
                            indices=str(tmp_path / 'far.npy')))
    with pytest.raises(ValueError, match='1-D array of integer indices'):
        DATASETS.build(dict(type='mmiic.SubsetDataset', dataset=mnist, indices=[[0, 1]]))
    with pytest.raises(ValueError, match='1-D array of integer indices'):
        DATASETS.build(dict(type='mmiic.SubsetDataset', dataset=mnist, indices=[0.5]))
    with pytest.raises(FileNotFoundError, match='missing.npy not found'):
        DATASETS.build(dict(type='mmiic.SubsetDataset', dataset=mnist,
                            indices=str(tmp_path / 'missing.npy')))
