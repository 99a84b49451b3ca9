"""The folder templates read their folder from DATA_ROOT (unset, the error says so) and never
train on label maps kept under it."""
import os
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmiic  # noqa: F401
from mmiic.registry import DATASETS

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'iic')


@pytest.mark.parametrize('name', ['iic_minivgg_folder_seg.py', 'iic_minivgg_folder_cluster.py'])
def test_unset_data_root_names_the_variable(name, monkeypatch):
    monkeypatch.delenv('DATA_ROOT', raising=False)
    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))  # parsing needs no DATA_ROOT (inference)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        with pytest.raises(FileNotFoundError, match='set-DATA_ROOT-to-your-image-folder'):
            DATASETS.build(cfg.train_dataloader.dataset)


@pytest.mark.parametrize('options', [{}, {'label_dir': 'labels', 'classes': ('dark', 'bright')}])
def test_label_maps_under_data_root_are_never_trained_on(tmp_path, monkeypatch, options):
    # The header's layout: images anywhere under DATA_ROOT, label maps in DATA_ROOT/labels;
    # training runs without label_dir (the walkthrough) or with it.
    import cv2
    import numpy as np

    from mmiic.utils import load_config
    root = str(tmp_path / 'data')
    names = [osp.join('sub', 'scene_0.png'), 'scene_1.png', 'scene_2.png']
    for name in names:
        for folder, value in ((root, 200), (osp.join(root, 'labels'), 1)):
            os.makedirs(osp.dirname(osp.join(folder, name)), exist_ok=True)
            label = np.zeros((32, 40), np.uint8)
            label[:, 20:] = value
            cv2.imwrite(osp.join(folder, name), label)
    monkeypatch.setenv('DATA_ROOT', root)
    cfg = load_config(osp.join(CONFIG_DIR, 'iic_minivgg_folder_seg.py'), options)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        train = DATASETS.build(cfg.train_dataloader.dataset)
        images = sorted(train.get_data_info(i)['img_path'] for i in range(len(train)))
        assert images == sorted(osp.join(root, name) for name in names)
        if options:  # the test set evaluates the same images
            test = DATASETS.build(cfg.test_dataloader.dataset)
            assert sorted(test.get_data_info(i)['img_path'] for i in range(len(test))) == images
