import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from mmiic.datasets import COCOStuffIICDataset, LoadIICAnnotations, PotsdamIICDataset
from mmiic.datasets.cocostuff_labels import (COARSE_GROUPS, FINE_CLASSES, fine_to_subset_lut,
                                             train_id_to_fine)
from mmiic.testing import make_cocostuff, make_potsdam


def test_label_tables_cover_every_fine_class_once():
    grouped = [name for _, names in COARSE_GROUPS for name in names]
    assert sorted(grouped) == sorted(FINE_CLASSES) and len(grouped) == 182
    lut = fine_to_subset_lut('cocostuff3')
    assert lut[FINE_CLASSES.index('sky-other')] == 0
    assert lut[FINE_CLASSES.index('tree')] == 1 and lut[FINE_CLASSES.index('road')] == 2
    assert lut[FINE_CLASSES.index('person')] == 255 and lut[FINE_CLASSES.index('wall-other')] == 255
    lut15 = fine_to_subset_lut('cocostuff15')
    assert lut15[FINE_CLASSES.index('person')] == 255 and lut15[FINE_CLASSES.index('ceiling-tile')] == 0
    assert len(train_id_to_fine()) == 171
    assert FINE_CLASSES[train_id_to_fine()[145]] == 'sky-other'
    assert FINE_CLASSES[train_id_to_fine()[157]] == 'tree'
    assert FINE_CLASSES[train_id_to_fine()[170]] == 'wood'


def _load(ds, i):
    info = ds.get_data_info(i)
    info['ori_shape'] = (150, 180)
    return LoadIICAnnotations()(info)


def test_cocostuff3_maps_train_ids(tmp_path):
    init_default_scope('mmseg')
    root = make_cocostuff(str(tmp_path))
    ds = COCOStuffIICDataset(data_root=root, subset='cocostuff3', ann_file='curated/val2017/cocostuff3.txt',
                             data_prefix=dict(img_path='images/val2017',
                                              seg_map_path='annotations/val2017'))
    assert len(ds) == 4 and ds.metainfo['classes'] == ('sky', 'plant', 'ground')
    out = _load(ds, 0)
    raw = cv2.imread(out['seg_map_path'], cv2.IMREAD_UNCHANGED)
    seg = out['gt_seg_map']
    assert (seg[raw == 145] == 0).all() and (seg[raw == 157] == 1).all()
    assert (seg[raw == 0] == 255).all() and (seg[raw == 255] == 255).all()


def test_label_outside_mapping_and_size_mismatch_name_the_file(tmp_path):
    init_default_scope('mmseg')
    root = make_cocostuff(str(tmp_path))
    ds = COCOStuffIICDataset(data_root=root, ann_file='curated/val2017/cocostuff3.txt',
                             data_prefix=dict(img_path='images/val2017',
                                              seg_map_path='annotations/val2017'))
    path = ds.get_data_info(1)['seg_map_path']
    cv2.imwrite(path, np.full((150, 180), 200, np.uint8))
    with pytest.raises(ValueError, match='000000000002_labelTrainIds.png: label value 200'):
        _load(ds, 1)
    cv2.imwrite(path, np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match='differ in size'):
        _load(ds, 1)
    import os
    os.remove(path)
    with pytest.raises(FileNotFoundError, match='000000000002'):
        _load(ds, 1)


def test_potsdam_three_and_six_classes(tmp_path):
    init_default_scope('mmseg')
    root = make_potsdam(str(tmp_path))
    kwargs = dict(data_root=root, data_prefix=dict(img_path='images/labelled_test',
                                                   seg_map_path='labels/labelled_test'))
    six, three = PotsdamIICDataset(num_classes=6, **kwargs), PotsdamIICDataset(num_classes=3, **kwargs)
    a, b = six.get_data_info(0), three.get_data_info(0)
    a['ori_shape'] = b['ori_shape'] = (40, 40)
    s6, s3 = LoadIICAnnotations()(a)['gt_seg_map'], LoadIICAnnotations()(b)['gt_seg_map']
    assert s6.max() <= 5 and s3.max() <= 2
    np.testing.assert_array_equal(s3, np.array([0, 1, 2, 2, 0, 1])[s6])
    with pytest.raises(ValueError, match='3 or 6'):
        PotsdamIICDataset(num_classes=4, **kwargs)


@pytest.mark.slow
def test_cocostuff_converter_writes_curated_lists(tmp_path):
    import subprocess
    import sys
    root = str(tmp_path / 'coco')
    make_cocostuff(root, names=('a', 'b'), splits=('val2017', ), size=(400, 380))
    # 'a': all sky -> kept everywhere; 'b': all person (a thing) -> only in COCO-Stuff-27
    cv2.imwrite(osp.join(root, 'annotations/val2017/a_labelTrainIds.png'), np.full((400, 380), 145, np.uint8))
    cv2.imwrite(osp.join(root, 'annotations/val2017/b_labelTrainIds.png'), np.zeros((400, 380), np.uint8))
    repo = osp.join(osp.dirname(__file__), '..', '..')
    subprocess.run([sys.executable, osp.join(repo, 'tools/dataset_converters/cocostuff_iic.py'),
                    '--data-root', root, '--splits', 'val2017', '--nproc', '1'], check=True,
                   capture_output=True, env=dict(__import__('os').environ, PYTHONPATH=repo))
    assert open(osp.join(root, 'curated/val2017/cocostuff3.txt')).read().split() == ['a']
    assert open(osp.join(root, 'curated/val2017/cocostuff15.txt')).read().split() == ['a']
    assert open(osp.join(root, 'curated/val2017/cocostuff27.txt')).read().split() == ['a', 'b']


@pytest.mark.parametrize('dtype', [np.uint8, np.uint16])
def test_label_lookup_matches_numpy_indexing_for_8_and_16_bit_maps(tmp_path, dtype):
    rng = np.random.default_rng(0)
    raw = rng.integers(0, 256, (37, 53)).astype(dtype)
    path = str(tmp_path / 'label.png')
    cv2.imwrite(path, raw)
    lut = rng.integers(0, 200, 256 if dtype == np.uint8 else 65536).astype(np.uint8)
    out = LoadIICAnnotations()(dict(seg_map_path=path, label_lut=lut, ori_shape=(37, 53)))
    assert out['gt_seg_map'].dtype == np.uint8
    assert np.array_equal(out['gt_seg_map'], lut[raw])
