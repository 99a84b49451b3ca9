import os
import os.path as osp
import pickle

import numpy as np
import pytest

from mmiic.datasets import (CIFAR10Cluster, CIFAR100Cluster, MNISTCluster, STL10Cluster, read_idx)
from mmiic.datasets.cluster_datasets import CIFAR100_FINE_TO_COARSE
from mmiic.testing import make_cifar10, make_cifar100, make_mnist, make_stl10, write_idx


def test_mnist_reads_idx_and_concatenates_splits(tmp_path):
    root = make_mnist(str(tmp_path), n_train=10, n_test=4)
    ds = MNISTCluster(data_root=root)
    assert len(ds) == 14
    info = ds.get_data_info(0)
    assert info['img'].shape == (28, 28) and info['img'].dtype == np.uint8
    assert 0 <= info['gt_label'] < 10
    expected = read_idx(osp.join(root, 'train-labels-idx1-ubyte'))
    assert [ds.get_data_info(i)['gt_label'] for i in range(10)] == expected.tolist()
    assert len(MNISTCluster(data_root=root, splits=('test', ))) == 4


def test_mnist_reads_gzipped_files(tmp_path):
    import gzip
    import shutil
    root = make_mnist(str(tmp_path), n_train=5, n_test=3)
    for name in ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'):
        with open(osp.join(root, name), 'rb') as src, gzip.open(osp.join(root, name + '.gz'), 'wb') as dst:
            shutil.copyfileobj(src, dst)
        import os
        os.remove(osp.join(root, name))
    assert len(MNISTCluster(data_root=root, splits=('test', ))) == 3


def test_truncated_idx_names_the_file(tmp_path):
    root = make_mnist(str(tmp_path), n_train=5, n_test=3)
    path = osp.join(root, 'train-images-idx3-ubyte')
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:-10])
    with pytest.raises(ValueError, match='train-images-idx3-ubyte.*truncated'):
        MNISTCluster(data_root=root)
    open(path, 'wb').write(b'\x01\x02' + data[2:])
    with pytest.raises(ValueError, match='bad magic'):
        MNISTCluster(data_root=root)


def test_label_outside_classes_names_the_file(tmp_path):
    root = make_mnist(str(tmp_path), n_train=5, n_test=3)
    write_idx(osp.join(root, 't10k-labels-idx1-ubyte'), np.array([1, 12, 3]))
    with pytest.raises(ValueError, match=r't10k-images.*label 12 outside \[0, 10\)'):
        MNISTCluster(data_root=root)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='train-images-idx3-ubyte'):
        MNISTCluster(data_root=str(tmp_path))


def test_cifar10_pickles(tmp_path):
    root = make_cifar10(str(tmp_path), n_per_batch=4)
    ds = CIFAR10Cluster(data_root=root)
    assert len(ds) == 24
    assert ds.get_data_info(0)['img'].shape == (32, 32, 3)
    # The first pixel row of image 0 equals the red plane's first 32 bytes.
    batch = pickle.load(open(osp.join(root, 'cifar-10-batches-py', 'data_batch_1'), 'rb'))
    assert ds.get_data_info(0)['img'][0, :, 0].tolist() == batch[b'data'][0][:32].tolist()


def test_corrupt_cifar_pickle_names_the_file(tmp_path):
    root = make_cifar10(str(tmp_path), n_per_batch=4)
    path = osp.join(root, 'cifar-10-batches-py', 'data_batch_3')
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:50])
    with pytest.raises(ValueError, match='data_batch_3'):
        CIFAR10Cluster(data_root=root)


def test_cifar100_20_uses_superclasses(tmp_path):
    root = make_cifar100(str(tmp_path), n=10)
    ds = CIFAR100Cluster(data_root=root)
    batch = pickle.load(open(osp.join(root, 'cifar-100-python', 'train'), 'rb'))
    got = [ds.get_data_info(i)['gt_label'] for i in range(10)]
    assert got == [CIFAR100_FINE_TO_COARSE[f] for f in batch[b'fine_labels']]
    assert max(got) < 20 and ds.num_classes == 20
    root2 = make_cifar100(str(tmp_path / 'nocoarse'), n=10, with_coarse=False)
    ds2 = CIFAR100Cluster(data_root=root2)
    assert [ds2.get_data_info(i)['gt_label'] for i in range(10)] == got
    assert sorted(set(CIFAR100_FINE_TO_COARSE)) == list(range(20))
    assert all(CIFAR100_FINE_TO_COARSE.count(c) == 5 for c in range(20))


def test_stl10_binary_layout_and_unlabelled_split(tmp_path):
    root = make_stl10(str(tmp_path), n=3, n_unlabeled=4)
    ds = STL10Cluster(data_root=root, splits=('train', 'test', 'unlabeled'),
                      overcluster_only_splits=('unlabeled', ))
    assert len(ds) == 10
    raw = np.fromfile(osp.join(root, 'stl10_binary', 'train_X.bin'), dtype=np.uint8)
    # Column-major: byte 1 of the red plane is pixel (row 1, column 0).
    img = ds.get_data_info(0)['img']
    assert img.shape == (96, 96, 3)
    assert img[1, 0, 0] == raw[1] and img[0, 1, 0] == raw[96]
    labels = np.fromfile(osp.join(root, 'stl10_binary', 'train_y.bin'), dtype=np.uint8)
    assert ds.get_data_info(0)['gt_label'] == labels[0] - 1
    last = ds.get_data_info(9)
    assert last['main_head_sample'] is False and 'gt_label' not in last


def test_truncated_stl10_names_the_file(tmp_path):
    root = make_stl10(str(tmp_path), n=2, n_unlabeled=1)
    path = osp.join(root, 'stl10_binary', 'test_X.bin')
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:-5])
    with pytest.raises(ValueError, match='test_X.bin'):
        STL10Cluster(data_root=root)


def test_stl10_reads_gzipped_files_and_rejects_bad_ones(tmp_path):
    import gzip
    plain = make_stl10(str(tmp_path / 'plain'), n=3, n_unlabeled=2)
    zipped = make_stl10(str(tmp_path / 'zipped'), n=3, n_unlabeled=2)
    folder = osp.join(zipped, 'stl10_binary')
    for name in os.listdir(folder):
        path = osp.join(folder, name)
        with open(path, 'rb') as src, gzip.open(path + '.gz', 'wb') as dst:
            dst.write(src.read())
        os.remove(path)
    splits = dict(splits=('train', 'test', 'unlabeled'), overcluster_only_splits=('unlabeled', ))
    want, got = STL10Cluster(data_root=plain, **splits), STL10Cluster(data_root=zipped, **splits)
    assert len(got) == len(want) == 8
    for i in range(8):
        a, b = want.get_data_info(i), got.get_data_info(i)
        assert np.array_equal(a['img'], b['img']) and a.get('gt_label') == b.get('gt_label')
    # A file named .gz that is not gzip data is refused, naming it.
    with open(osp.join(folder, 'test_y.bin.gz'), 'wb') as f:
        f.write(b'\x01\x02\x03')
    with pytest.raises(ValueError, match='test_y.bin.gz'):
        STL10Cluster(data_root=zipped)


def test_stl10_head_indices(tmp_path):
    root = make_stl10(str(tmp_path), n=3, n_unlabeled=4)
    ds = STL10Cluster(data_root=root, splits=('train', 'unlabeled', 'test'),
                      overcluster_only_splits=('unlabeled', ))
    assert ds.head_indices('main').tolist() == [0, 1, 2, 7, 8, 9]
    assert ds.head_indices('overcluster').tolist() == list(range(10))
    sub = STL10Cluster(data_root=root, splits=('train', 'unlabeled', 'test'),
                       overcluster_only_splits=('unlabeled', ), indices=[8, 3, 0])
    assert sub.head_indices('main').tolist() == [0, 2]


@pytest.mark.parametrize('serialize_data', [True, False])
def test_stl10_head_indices_follow_get_subset(tmp_path, serialize_data):
    root = make_stl10(str(tmp_path), n=3, n_unlabeled=4)
    ds = STL10Cluster(data_root=root, splits=('train', 'unlabeled', 'test'),
                      overcluster_only_splits=('unlabeled', ), serialize_data=serialize_data)
    # main-head samples: 0, 1, 2 (train) and 7, 8, 9 (test); 3..6 unlabelled.
    sub = ds.get_subset([5, 6, 7, 8])
    assert len(sub) == 4 and sub.head_indices('main').tolist() == [2, 3]
    assert sub.head_indices('overcluster').tolist() == [0, 1, 2, 3]
    assert ds.head_indices('main').tolist() == [0, 1, 2, 7, 8, 9]  # the original is untouched
    assert ds.get_subset([8, 3, -1]).head_indices('main').tolist() == [0, 2]
    assert ds.get_subset(4).head_indices('main').tolist() == [0, 1, 2]
    assert ds.get_subset(-4).head_indices('main').tolist() == [1, 2, 3]
    assert ds.get_subset([]).head_indices('main').tolist() == []
    ds.get_subset_([9, 4, 0])
    assert len(ds) == 3 and ds.head_indices('main').tolist() == [0, 2]
    assert 'gt_label' not in ds.get_data_info(1)  # the data follow the same indices
    ds.get_subset_(-2)
    assert ds.head_indices('main').tolist() == [1]


def test_held_out_images_are_a_fixed_disjoint_draw(tmp_path):
    root = make_stl10(str(tmp_path), n=20, n_unlabeled=1)
    full = STL10Cluster(data_root=root, splits=('train', ))
    rest = STL10Cluster(data_root=root, splits=('train', ),
                        held_out=dict(num_images=6, seed=3, keep='rest'))
    held = STL10Cluster(data_root=root, splits=('train', ),
                        held_out=dict(num_images=6, seed=3, keep='held_out'))
    assert (len(rest), len(held)) == (14, 6)

    def keys(ds):
        return {ds[i]['img'].tobytes() for i in range(len(ds))}

    assert keys(rest).isdisjoint(keys(held)) and keys(rest) | keys(held) == keys(full)
    again = STL10Cluster(data_root=root, splits=('train', ),
                         held_out=dict(num_images=6, seed=3, keep='held_out'))
    assert keys(again) == keys(held)
    other_seed = STL10Cluster(data_root=root, splits=('train', ),
                              held_out=dict(num_images=6, seed=4, keep='held_out'))
    assert keys(other_seed) != keys(held)
    assert all(held[i]['split'] == 'train' for i in range(len(held)))


def test_bad_held_out_settings_are_named(tmp_path):
    root = make_stl10(str(tmp_path), n=4, n_unlabeled=1)
    with pytest.raises(ValueError, match=r'num_images=4 of the 4 images'):
        STL10Cluster(data_root=root, splits=('train', ), held_out=dict(num_images=4, keep='rest'))
    with pytest.raises(ValueError, match="held_out.keep must be 'rest'"):
        STL10Cluster(data_root=root, held_out=dict(num_images=1, keep='val'))
    with pytest.raises(ValueError, match=r"unknown keys \['fraction'\]"):
        STL10Cluster(data_root=root, held_out=dict(num_images=1, keep='rest', fraction=0.1))
