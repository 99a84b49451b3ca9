"""DumpClusterMaps: one PNG of cluster ids per image; two images never share a file."""
import cv2
import numpy as np
import pytest
import torch

from mmiic.evaluation import DumpClusterMaps


def _sample(img_path, ids, num_clusters=3, tile_box=None):
    sample = dict(img_path=img_path, pred_sem_seg=dict(data=torch.as_tensor(ids)[None]),
                  seg_logits=dict(data=torch.zeros(num_clusters, *np.shape(ids))))
    if tile_box is not None:
        sample['tile_box'] = tile_box
    return sample


def test_writes_ids_relative_to_the_image_root_with_tile_suffix(tmp_path):
    metric = DumpClusterMaps(str(tmp_path / 'out'), img_root='/data/images')
    ids = np.array([[0, 1], [2, 1]])
    metric.process({}, [_sample('/data/images/a/x.png', ids),
                        _sample('/data/images/y.tif', ids, tile_box=(32, 8, 2, 2))])
    assert metric.evaluate(2) == {}
    written = cv2.imread(str(tmp_path / 'out' / 'a' / 'x.png'), cv2.IMREAD_UNCHANGED)
    assert written.dtype == np.uint8 and written.tolist() == ids.tolist()
    assert (tmp_path / 'out' / 'y_x32_y8.png').is_file()
    # More than 256 clusters need 16 bits.
    metric.process({}, [_sample('/data/images/z.png', np.array([[300]]), num_clusters=400)])
    assert cv2.imread(str(tmp_path / 'out' / 'z.png'), cv2.IMREAD_UNCHANGED).dtype == np.uint16


def test_two_images_with_one_name_are_an_error(tmp_path):
    metric = DumpClusterMaps(str(tmp_path / 'out'))  # base names only
    metric.process({}, [_sample('/data/a/x.png', np.zeros((2, 2), int))])
    with pytest.raises(ValueError, match='/data/a/x.png and /data/b/x.jpg would both be written'):
        metric.process({}, [_sample('/data/b/x.jpg', np.zeros((2, 2), int))])
    # Across processes: found once the records are collected.
    with pytest.raises(ValueError, match='were both written'):
        metric.compute_metrics([('x', '/data/a/x.png'), ('x', '/data/b/x.jpg')])
