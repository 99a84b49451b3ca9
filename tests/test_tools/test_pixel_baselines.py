"""tools/analysis_tools/pixel_baselines.py on tiny folders whose right answers are known."""
import gzip
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest

from mmiic.testing import ROOT, load_tool, write_idx

tool = load_tool('tools/analysis_tools/pixel_baselines.py')


def _idx_folder(root, images, labels, gzip_train=False):
    os.makedirs(root, exist_ok=True)
    half = len(images) // 2
    for prefix, sl in (('train', slice(0, half)), ('t10k', slice(half, None))):
        write_idx(osp.join(root, f'{prefix}-images-idx3-ubyte'), images[sl])
        write_idx(osp.join(root, f'{prefix}-labels-idx1-ubyte'), labels[sl])
    if gzip_train:
        for name in ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'):
            path = osp.join(root, name)
            with open(path, 'rb') as f, gzip.open(path + '.gz', 'wb') as g:
                g.write(f.read())
            os.remove(path)
    return str(root)


def _grey_classes(rng, levels, per_class):
    """Images of class c: grey level levels[c] plus a little noise; interleaved classes."""
    labels = np.tile(np.arange(len(levels)), per_class)
    base = np.asarray(levels, np.float64)[labels][:, None, None]
    images = np.clip(base + rng.normal(0, 3, (len(labels), 28, 28)), 0, 255).astype(np.uint8)
    return images, labels.astype(np.uint8)


def test_kmeans_separates_well_apart_classes_whatever_their_label_order(tmp_path):
    rng = np.random.default_rng(0)
    images, labels = _grey_classes(rng, (30, 130, 230), per_class=10)
    # Class ids 7, 2, 5 (not 0..k-1) and gzipped train files.
    labels = np.array([7, 2, 5], np.uint8)[labels]
    folder = _idx_folder(tmp_path / 'sep', images, labels, gzip_train=True)
    (row, ) = tool.cluster_baseline(folder, n_init=3, seed=0)
    assert row['classes'] == 3 and row['size'].startswith('30 images')
    assert (row['acc'], row['nmi'], row['ari']) == (100.0, 100.0, 100.0)


def test_kmeans_accuracy_counts_images_that_look_like_another_class(tmp_path):
    rng = np.random.default_rng(1)
    images, labels = _grey_classes(rng, (40, 200), per_class=40)
    # A quarter of class 1 (10 of 40) looks exactly like class 0: k-means can
    # only put them with class 0, so ACC = (40 + 30) / 80.
    ones = np.flatnonzero(labels == 1)[:10]
    images[ones] = images[np.flatnonzero(labels == 0)[:10]]
    folder = _idx_folder(tmp_path / 'mixed', images, labels)
    (row, ) = tool.cluster_baseline(folder, n_init=3, seed=0)
    assert row['acc'] == 87.5
    assert 0 < row['nmi'] < 100 and 0 < row['ari'] < 100


def _seg_folder(root, image, label, split='test', name='a'):
    for folder, array in (('images', image), ('labels', label)):
        os.makedirs(osp.join(root, folder, split), exist_ok=True)
        cv2.imwrite(osp.join(root, folder, split, name + '.png'), array)
    return str(root)


def test_otsu_matches_either_polarity_and_skips_ignored_pixels(tmp_path):
    rng = np.random.default_rng(2)
    image = np.full((32, 40), 50.0)
    image[:, 20:] = 200
    image = np.clip(image + rng.normal(0, 5, image.shape), 0, 255).astype(np.uint8)
    label = np.zeros((32, 40), np.uint8)
    label[:, :20] = 1  # the dark half is class 1: the inverted polarity
    label[:4, 16:24] = 255  # ignored pixels straddling the border
    folder = _seg_folder(tmp_path / 'two', image, label)
    otsu, kmeans = tool.seg_baselines(folder, n_init=2)
    assert otsu['method'].startswith('global Otsu threshold')
    assert otsu['size'] == f'1 image(s) {32 * 40 - 32} px (test)'
    for row in (otsu, kmeans):
        assert (row['acc'], row['miou']) == (100.0, 100.0)


def test_three_colour_bands_otsu_gets_two_thirds_colour_kmeans_all(tmp_path):
    colours = np.array([(200, 30, 30), (30, 200, 30), (30, 30, 200)], np.uint8)  # RGB bands
    label = np.repeat(np.arange(3), 10)[None].repeat(12, axis=0).astype(np.uint8)
    image = colours[label][..., ::-1].copy()  # written BGR
    folder = _seg_folder(tmp_path / 'bands', image, label, split='val')
    with pytest.raises(FileNotFoundError, match='images/test'):
        tool.seg_baselines(folder)
    otsu, kmeans = tool.seg_baselines(folder, split='val', n_init=2)
    # Two clusters for three equal bands: one band is always wrong; the two
    # matched classes have IoU 1/2 and 1, the unmatched one 0.
    assert otsu['acc'] == pytest.approx(100 * 2 / 3, abs=0.01)
    assert otsu['miou'] == 50.0
    assert kmeans['method'].startswith('k-means on pixel colour')
    assert (kmeans['acc'], kmeans['miou']) == (100.0, 100.0)


@pytest.mark.slow
def test_script_prints_the_table_and_writes_json(tmp_path):
    rng = np.random.default_rng(3)
    images, labels = _grey_classes(rng, (20, 220), per_class=6)
    idx = _idx_folder(tmp_path / 'idx', images, labels)
    seg = _seg_folder(tmp_path / 'seg', images[0], (images[0] > 128).astype(np.uint8))
    out = tmp_path / 'res' / 'baselines.json'
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools/analysis_tools/pixel_baselines.py'), idx, seg,
         '--n-init', '2', '--out', str(out)],
        capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=ROOT), timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith('| data set | kind |') and len(lines) == 2 + 3
    assert '| idx | clustering |' in lines[2] and '| seg | segmentation |' in lines[3]
    saved = json.loads(out.read_text())
    assert saved['n_init'] == 2 and [r['dataset'] for r in saved['rows']] == ['idx', 'seg', 'seg']
    assert saved['rows'][0]['acc'] == 100.0 and saved['rows'][0]['miou'] is None


def test_a_folder_of_neither_kind_is_named_in_the_error(tmp_path):
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='empty: neither IDX files'):
        tool.main([str(tmp_path / 'empty')])
    half = tmp_path / 'half'
    half.mkdir()
    write_idx(str(half / 'train-images-idx3-ubyte'), np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(FileNotFoundError, match='must come together'):
        tool.main([str(half)])
