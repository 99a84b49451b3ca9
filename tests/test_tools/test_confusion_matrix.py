"""tools/analysis_tools/confusion_matrix.py: clusters x classes CSV + heat map, Hungarian marked."""
import csv
import os
import os.path as osp

import numpy as np
import pytest

from mmiic.evaluation.functional import hungarian_mapping
from mmiic.testing import (MNIST_CONFIG, MOSAIC_CONFIG, ROOT, load_tool, make_cluster_folder,
                           save_fresh_checkpoint)

tool = load_tool('tools/analysis_tools/confusion_matrix.py')


def _read_csv(path):
    with open(path) as f:
        return list(csv.reader(f))


def test_segmentation_confusion_counts_every_pixel(tiny_mosaic, tmp_path):
    options, checkpoint = tiny_mosaic
    confusion = tool.main([MOSAIC_CONFIG, checkpoint, '--out', str(tmp_path / 'cm'), '--work-dir',
                           str(tmp_path / 'w'), '--cfg-options', *options])
    assert confusion.shape == (3, 3)
    assert confusion.sum() == 2 * 48 * 48  # two 48 px mosaics, no ignored pixels
    rows = _read_csv(tmp_path / 'cm' / 'confusion_matrix.csv')
    assert rows[0] == ['cluster', 'brick', 'grass', 'gravel', 'matched_class']
    mapping = hungarian_mapping(confusion)
    names = ['brick', 'grass', 'gravel']
    for cluster, row in enumerate(rows[1:]):
        assert [int(v) for v in row[1:4]] == confusion[cluster].tolist()
        assert row[4] == names[mapping[cluster]]
    assert osp.getsize(tmp_path / 'cm' / 'confusion_matrix.png') > 1000


@pytest.mark.slow
def test_clustering_confusion_has_one_row_per_cluster(tiny_mnist, tmp_path):
    _, options, checkpoint = tiny_mnist
    confusion = tool.main([MNIST_CONFIG, checkpoint, '--out', str(tmp_path / 'cm'), '--work-dir',
                           str(tmp_path / 'w'), '--cfg-options', *options])
    assert confusion.shape == (10, 10) and confusion.sum() == 12
    rows = _read_csv(tmp_path / 'cm' / 'confusion_matrix.csv')
    assert len(rows) == 11 and rows[0][-1] == 'matched_class'
    assert np.array_equal(np.array([[int(v) for v in r[1:11]] for r in rows[1:]]), confusion)


def test_hungarian_cells_are_framed_in_the_heat_map(tmp_path):
    confusion = np.array([[0, 9], [7, 1], [2, 2]])
    mapping = hungarian_mapping(confusion)
    assert mapping.tolist() == [1, 0, -1]
    path = str(tmp_path / 'cm.png')
    tool.plot_heatmap(path, confusion, ['a', 'b'], mapping, 'title')
    import matplotlib.image as mpimg
    image = mpimg.imread(path)
    red = (image[..., 0] > 0.9) & (image[..., 1] < 0.2) & (image[..., 2] < 0.2)
    assert red.sum() > 50  # two framed cells
    tool.write_csv(str(tmp_path / 'cm.csv'), confusion, ['a', 'b'], mapping)
    assert [r[-1] for r in _read_csv(tmp_path / 'cm.csv')] == ['matched_class', 'b', 'a', '']


def test_samples_without_labels_are_named():
    collector = tool.ConfusionCollector(num_classes=3)
    with pytest.raises(ValueError, match='test sample a.png has none'):
        collector.process({}, [dict(img_path='a.png', pred_sem_seg=dict(data=np.zeros((1, 2, 2))))])


FOLDER = os.path.join(ROOT, 'configs', 'iic')


def test_folder_templates_without_labels_say_what_to_set(tmp_path, monkeypatch):
    # Segmentation: before the fix, AttributeError: 'NoneType' object has no attribute
    # 'num_classes'.
    with pytest.raises(ValueError, match='confusion_matrix.py: .* has no test set.*label_dir'):
        tool.main([os.path.join(FOLDER, 'iic_minivgg_folder_seg.py'), 'unused.pth', '--out',
                   str(tmp_path / 'cm')])
    # Clustering: the test set exists but has no labels.
    make_cluster_folder(str(tmp_path / 'imgs'), per_class=2)
    monkeypatch.setenv('DATA_ROOT', str(tmp_path / 'imgs'))
    config = os.path.join(FOLDER, 'iic_minivgg_folder_cluster.py')
    options = ['num_clusters=2', 'test_dataloader.num_workers=0',
               'test_dataloader.persistent_workers=False']
    checkpoint = save_fresh_checkpoint(config, options, str(tmp_path / 'cls.pth'))
    with pytest.raises(ValueError, match='needs labels.*labels=folders'):
        tool.main([config, checkpoint, '--out', str(tmp_path / 'cm'), '--work-dir',
                   str(tmp_path / 'w'), '--cfg-options', *options])
