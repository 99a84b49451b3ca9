"""tools/misc/print_config.py prints and saves the resolved config."""
import os
import subprocess
import sys

import pytest
from mmengine.config import Config

from mmiic.testing import MOSAIC_CONFIG, ROOT


@pytest.mark.slow
def test_prints_and_saves_the_merged_config(tmp_path):
    saved = str(tmp_path / 'resolved.py')
    proc = subprocess.run(
        [sys.executable, 'tools/misc/print_config.py', MOSAIC_CONFIG, '--save-path', saved,
         '--cfg-options', 'train_cfg.max_iters=7'],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True, text=True,
        timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "type='mmiic.IICSegmentor'" in proc.stdout
    assert 'max_iters=7' in proc.stdout
    cfg = Config.fromfile(saved)
    assert cfg.train_cfg.max_iters == 7
    assert cfg.model.decode_head.loss_decode.type == 'mmiic.IICLoss'


@pytest.mark.slow
def test_a_variable_shows_in_every_value_computed_from_it(tmp_path):
    config = os.path.join(ROOT, 'configs', 'iic', 'iic_minivgg_folder_cluster.py')
    saved = str(tmp_path / 'resolved.py')
    proc = subprocess.run(
        [sys.executable, 'tools/misc/print_config.py', config, '--save-path', saved,
         '--cfg-options', 'num_clusters=5', 'image_size=64'],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True, text=True,
        timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    cfg = Config.fromfile(saved)
    assert cfg.num_clusters == 5 and cfg.model.head.num_classes == 5
    assert cfg.model.head.num_overclusters == 25 and cfg.model.head.in_channels == 8192
    assert cfg.train_dataloader.dataset.pipeline[1].scale == 64
