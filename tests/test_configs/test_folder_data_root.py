"""The folder templates read their folder from DATA_ROOT; unset, the error says so."""
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
