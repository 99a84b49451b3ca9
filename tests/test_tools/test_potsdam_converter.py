import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest

from mmiic.datasets.seg_datasets import POTSDAM_COLOURS

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


@pytest.mark.slow
def test_tiles_become_half_scale_200px_crops_with_ids(tmp_path):
    src = tmp_path / 'isprs'
    src.mkdir()
    rng = np.random.default_rng(0)
    for tile in ('2_10', '2_11'):
        rgbir = rng.integers(0, 256, (800, 800, 4), dtype=np.uint8)
        cv2.imwrite(str(src / f'top_potsdam_{tile}_RGBIR.tif'), rgbir)
        label = np.zeros((800, 800, 3), np.uint8)
        label[:400] = POTSDAM_COLOURS[1]  # buildings on top
        label[400:] = POTSDAM_COLOURS[3]  # trees below
        label[790:, 790:] = (10, 20, 30)  # an unknown colour
        cv2.imwrite(str(src / f'top_potsdam_{tile}_label.tif'), label[..., ::-1])
    out = tmp_path / 'potsdam'
    subprocess.run([sys.executable, osp.join(REPO, 'tools/dataset_converters/potsdam_iic.py'),
                    str(src), '--out', str(out), '--test-every', '2'], check=True,
                   capture_output=True, env=dict(os.environ, PYTHONPATH=REPO))
    test_labels = sorted(os.listdir(out / 'labels' / 'labelled_test'))
    assert test_labels == ['2_11_0_0.png', '2_11_0_1.png', '2_11_1_0.png', '2_11_1_1.png']
    train = os.listdir(out / 'labels' / 'labelled_train') + os.listdir(out / 'labels' / 'unlabelled_train')
    assert len(train) == 4
    top = cv2.imread(str(out / 'labels' / 'labelled_test' / '2_11_0_0.png'), cv2.IMREAD_UNCHANGED)
    bottom = cv2.imread(str(out / 'labels' / 'labelled_test' / '2_11_1_1.png'), cv2.IMREAD_UNCHANGED)
    assert top.shape == (200, 200) and (top == 1).all()
    assert (bottom[:-5, :-5] == 3).all() and bottom[-1, -1] == 255
    image = cv2.imread(str(out / 'images' / 'labelled_test' / '2_11_0_0.png'), cv2.IMREAD_UNCHANGED)
    assert image.shape == (200, 200, 4)
