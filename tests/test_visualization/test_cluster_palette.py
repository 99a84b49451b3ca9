import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from mmiic.visualization import cluster_palette, draw_prediction, paint_clusters, to_rgb_uint8


def test_palette_is_distinct_and_reproducible():
    palette = cluster_palette(81)
    assert palette.shape == (81, 3) and palette.dtype == np.uint8
    assert len({tuple(c) for c in palette}) == 81
    assert np.array_equal(palette[:3], cluster_palette(3))  # ids keep their colour for any k
    with pytest.raises(ValueError, match='num_clusters must be >= 1'):
        cluster_palette(0)


def test_paint_clusters_and_ignored_pixels():
    palette = cluster_palette(3)
    painted = paint_clusters(np.array([[0, 2], [255, 1]]), palette, ignore_index=255)
    assert tuple(painted[0, 1]) == tuple(palette[2])
    assert tuple(painted[1, 0]) == (0, 0, 0)
    with pytest.raises(ValueError, match=r'ids must lie in \[0, 3\), got \[0, 5\]'):
        paint_clusters(np.array([[0, 5]]), palette)


def test_to_rgb_drops_extra_channels_and_stretches_floats():
    four = np.zeros((2, 2, 4), np.uint8)
    four[..., 3] = 200  # infrared
    assert to_rgb_uint8(four).shape == (2, 2, 3) and to_rgb_uint8(four).max() == 0
    assert to_rgb_uint8(np.array([[0.0, 0.5, 1.0]])).tolist() == [[[0] * 3, [128] * 3, [255] * 3]]


def test_segmentation_prediction_resized_to_the_image():
    from mmseg.structures import SegDataSample
    sample = SegDataSample()
    ids = torch.tensor([[0, 1, 1, 2]] * 4)
    sample.pred_sem_seg = PixelData(data=ids[None])
    sample.seg_logits = PixelData(data=torch.zeros(5, 4, 4))
    picture = draw_prediction(np.zeros((8, 8, 3), np.uint8), sample)
    clusters = picture[16:24, 12:20]  # caption 16 px; image panel 8 px + 4 px gap
    palette = cluster_palette(5)
    assert tuple(clusters[0, 0]) == tuple(palette[0]) and tuple(clusters[0, 7]) == tuple(palette[2])


def test_sample_without_prediction_is_an_error():
    from mmpretrain.structures import DataSample
    with pytest.raises(ValueError, match='neither pred_sem_seg nor pred_label'):
        draw_prediction(np.zeros((4, 4, 3), np.uint8), DataSample())
