"""Cluster names through a mapping, overlays, the seg visualiser and the TensorBoard backend."""
import json

import numpy as np
import pytest

from mmiic.visualization import (OptionalTensorboardVisBackend, cluster_palette, load_cluster_names,
                                 overlay_clusters, save_cluster_mapping)


def test_overlay_colours_every_cluster_id():
    image = np.zeros((2, 3), np.uint16)
    clusters = np.array([[0, 1, 2], [40, 41, 42]])
    out = overlay_clusters(image, clusters, alpha=1.0)
    np.testing.assert_array_equal(out, cluster_palette(43)[clusters])
    with pytest.raises(ValueError, match='differ in size'):
        overlay_clusters(image, clusters[:1])


def test_cluster_names_only_through_a_mapping(tmp_path):
    path = str(tmp_path / 'mapping.json')
    save_cluster_mapping(path, [2, -1, 0], ['sky', 'plant', 'ground'], subhead=1)
    assert json.load(open(path))['subhead'] == 1
    assert load_cluster_names(path, 5) == ['ground', 'cluster 1', 'sky', 'cluster 3', 'cluster 4']
    with open(path, 'w') as f:
        json.dump({'classes': ['a'], 'mapping': {'0': 3}}, f)
    with pytest.raises(ValueError, match='maps to class 3'):
        load_cluster_names(path)
    with open(path, 'w') as f:
        f.write('{not json')
    with pytest.raises(ValueError, match='not a JSON file'):
        load_cluster_names(path)


def test_optional_tensorboard_backend_writes_when_installed(tmp_path):
    import importlib.util
    backend = OptionalTensorboardVisBackend(str(tmp_path / 'tb'))
    backend.add_scalars({'cluster_mass/0': 0.5}, step=1)
    backend.add_image('cluster_joint', np.zeros((4, 4, 3), np.uint8), step=1)
    backend.close()
    events = list((tmp_path / 'tb').glob('events.out.tfevents*'))
    assert bool(events) == (importlib.util.find_spec('tensorboard') is not None)


def test_seg_visualizer_paints_clusters_not_classes(tmp_path):
    import cv2
    import torch
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    from mmiic.visualization import ClusterSegLocalVisualizer
    vis = ClusterSegLocalVisualizer(name='cluster_vis_test', alpha=1.0)
    vis.dataset_meta = dict(classes=('sky', 'ground'), palette=[[0, 0, 255], [0, 255, 0]])
    sample = SegDataSample()
    sample.gt_sem_seg = PixelData(data=torch.zeros(1, 4, 6, dtype=torch.long))
    pred = torch.zeros(1, 4, 6, dtype=torch.long)
    pred[0, :, 3:] = 13  # an overclustering id beyond the 2 classes
    sample.pred_sem_seg = PixelData(data=pred)
    out = str(tmp_path / 'vis.png')
    vis.add_datasample('x', np.zeros((4, 6, 3), np.uint8), sample, out_file=out, with_labels=False)
    drawn = cv2.imread(out)[..., ::-1]
    # ground truth | image | clusters, 6 px each, 4 px apart, under 16 px captions (no legend)
    assert drawn.shape == (16 + 4, 3 * 6 + 2 * 4, 3)
    assert drawn[16, 0].tolist() == [0, 0, 255]  # ground truth: the class colour
    palette = cluster_palette(14)
    assert drawn[16, 20].tolist() == palette[0].tolist()
    assert drawn[16, 25].tolist() == palette[13].tolist()
