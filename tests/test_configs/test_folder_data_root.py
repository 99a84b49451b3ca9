"""The folder templates read their folder from DATA_ROOT; unset, the error says so."""
import os.path as osp
import shutil

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
    from conftest import make_seg_folder

    from mmiic.utils import load_config
    made = make_seg_folder(str(tmp_path / 'made'), values=(0, 1))
    root = str(tmp_path / 'data')
    shutil.move(osp.join(made, 'images'), root)
    shutil.move(osp.join(made, 'labels'), osp.join(root, 'labels'))
    monkeypatch.setenv('DATA_ROOT', root)
    cfg = load_config(osp.join(CONFIG_DIR, 'iic_minivgg_folder_seg.py'), options)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        train = DATASETS.build(cfg.train_dataloader.dataset)
        images = sorted(train.get_data_info(i)['img_path'] for i in range(len(train)))
        assert images == sorted(osp.join(root, f) for f in (
            osp.join('sub', 'scene_0.png'), 'scene_1.tif', 'scene_2.png'))
        if options:  # the test set evaluates the same images
            test = DATASETS.build(cfg.test_dataloader.dataset)
            assert sorted(test.get_data_info(i)['img_path'] for i in range(len(test))) == images
