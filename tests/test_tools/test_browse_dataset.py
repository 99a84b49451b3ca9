"""tools/analysis_tools/browse_dataset.py draws IIC view pairs and their alignment."""
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from mmiic.testing import (MNIST_CONFIG, MOSAIC_CONFIG, ROOT, load_tool, make_mnist,
                           tiny_mosaic_options)

browse = load_tool('tools/analysis_tools/browse_dataset.py')
SIDE, GAP, CAPTION = 96, 4, 16  # 48 px mosaics shown at twice their size


def _panel(picture, index):
    x = index * (SIDE + GAP)
    return picture[CAPTION:CAPTION + SIDE, x:x + SIDE]


def test_dense_views_second_view_warped_back_matches_the_first(tmp_path):
    # Flips only, no jitter: the second view is the first turned by 180 degrees,
    # and warping it back must give the first view exactly.
    views = 'train_dataloader.dataset.pipeline.0'
    options = tiny_mosaic_options() + [f'{views}.hflip_prob=1.0', f'{views}.vflip_prob=1.0',
                                       f'{views}.max_translation=0', f'{views}.jitter=None']
    written = browse.main([MOSAIC_CONFIG, '--output-dir', str(tmp_path), '--not-show',
                           '--show-number', '1', '--cfg-options', *options])
    assert [os.path.basename(p) for p in written] == ['train_00000.png']
    picture = cv2.imread(written[0])[..., ::-1]
    first, second, aligned, valid = (_panel(picture, i) for i in range(4))
    assert np.array_equal(second, first[::-1, ::-1])
    assert np.array_equal(aligned, first)
    assert (valid == 255).all()  # mosaics: every pixel counts, nothing leaves the image
    assert picture.shape[1] == 5 * SIDE + 4 * GAP  # + the labels panel


def test_dense_views_shifts_mark_pixels_outside_as_invalid(tmp_path):
    views = 'train_dataloader.dataset.pipeline.0'
    options = tiny_mosaic_options() + [f'{views}.hflip_prob=0.0', f'{views}.vflip_prob=0.0',
                                       f'{views}.max_translation=20', f'{views}.jitter=None']
    written = browse.main([MOSAIC_CONFIG, '--output-dir', str(tmp_path), '--not-show',
                           '--show-number', '2', '--cfg-options', *options])
    for path in written:
        valid = _panel(cv2.imread(path), 3)[..., 0]
        assert set(np.unique(valid)) <= {0, 255}
        assert 0 < (valid == 255).mean() < 1


@pytest.mark.slow
def test_paired_views_of_image_clustering(tmp_path):
    data_root = make_mnist(str(tmp_path / 'mnist'), n_train=3, n_test=1)
    options = [f'train_dataloader.dataset.data_root={data_root}']
    proc = subprocess.run(
        [sys.executable, 'tools/analysis_tools/browse_dataset.py', MNIST_CONFIG, '--output-dir',
         str(tmp_path / 'out'), '--not-show', '--show-number', '3', '--cfg-options', *options],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True, text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    files = sorted(os.listdir(tmp_path / 'out'))
    assert files == ['train_00000.png', 'train_00001.png', 'train_00002.png']
    picture = cv2.imread(str(tmp_path / 'out' / files[0]))
    # first view + 5 paired views, each 24 px upscaled to 96, 4 px apart, under two captions
    assert picture.shape[:2] == (CAPTION * 2 + 96, 6 * 96 + 5 * GAP)
