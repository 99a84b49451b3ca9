"""ClusterJointHook, SegOverlayHook and ClusterGridHook: what they draw of models whose main head
puts every image (every pixel) into one known cluster."""
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch

from mmiic.engine.hooks import ClusterGridHook, ClusterJointHook, SegOverlayHook
from mmiic.models.classifiers import IICClassifier
from mmiic.models.segmentors import IICSegmentor
from mmiic.visualization import cluster_palette


class RecordingVisualizer:

    def __init__(self):
        self.images = []

    def add_image(self, name, image, step=0):
        self.images.append((name, step, image))


def fake_runner(model, samples):
    return SimpleNamespace(model=model, iter=0, visualizer=RecordingVisualizer(),
                           val_loop=SimpleNamespace(dataloader=SimpleNamespace(dataset=samples)))


def one_cluster(model, cluster, k):
    """Make the main head's test sub-head predict ``cluster`` everywhere."""
    bias = torch.full((k, ), -50.0)
    bias[cluster] = 50.0
    with torch.no_grad():
        model.cluster_heads.heads['main'].predictors[0].bias.copy_(bias)
    return model


def classifier(k):
    torch.manual_seed(0)
    return IICClassifier(
        backbone=dict(type='mmiic.IICVGG', arch=[4, 'M'], in_channels=1),
        head=dict(type='mmiic.ClusterHeads', in_channels=4 * 4 * 4, num_classes=k,
                  num_subheads=1),
        data_preprocessor=dict(type='mmiic.IICDataPreprocessor', in_channels=1))


def segmentor(k):
    torch.manual_seed(0)
    return IICSegmentor(
        backbone=dict(type='mmiic.IICVGG', arch=[4, 'M'], in_channels=3),
        decode_head=dict(type='mmiic.IICHead', in_channels=4, num_classes=k, num_subheads=1),
        data_preprocessor=dict(type='mmiic.IICDataPreprocessor', in_channels=3))


def samples(n, channels, side=8, seed=0):
    rng = np.random.default_rng(seed)
    return [dict(inputs=torch.from_numpy(rng.integers(0, 255, (channels, side, side),
                                                      dtype=np.uint8))) for _ in range(n)]


def test_joint_has_all_its_mass_on_the_one_predicted_cluster():
    runner = fake_runner(one_cluster(classifier(k=3), cluster=1, k=3), samples(4, 1))
    ClusterJointHook(interval=1, num_images=4, cell=2).draw(runner, 5)
    (name, step, heatmap), = runner.visualizer.images
    assert name == 'cluster_joint' and step == 5 and heatmap.shape == (6, 6, 3)
    bright = cv2.applyColorMap(np.uint8([[255]]), cv2.COLORMAP_VIRIDIS)[0, 0, ::-1]
    dark = cv2.applyColorMap(np.uint8([[0]]), cv2.COLORMAP_VIRIDIS)[0, 0, ::-1]
    for row in range(3):
        for col in range(3):
            expected = bright if (row, col) == (1, 1) else dark
            assert heatmap[2 * row, 2 * col].tolist() == expected.tolist(), (row, col)


def test_overlay_blends_the_cluster_colour_over_each_image():
    model = one_cluster(segmentor(k=4), cluster=2, k=4)
    images = samples(2, 3)
    runner = fake_runner(model, images)
    SegOverlayHook(interval=1, num_images=2, alpha=0.25).draw(runner, 3)
    (name, step, picture), = runner.visualizer.images
    assert name == 'cluster_overlay' and step == 3 and picture.shape == (16, 16, 3)
    colour = cluster_palette(4)[2].astype(np.float64)
    for row, sample in enumerate(images):
        rgb = sample['inputs'].numpy().transpose(1, 2, 0)[..., ::-1]  # BGR as loaded
        left, right = picture[8 * row:8 * row + 8, :8], picture[8 * row:8 * row + 8, 8:]
        assert np.array_equal(left, rgb)
        assert np.array_equal(right, (rgb * 0.75 + colour * 0.25).round().astype(np.uint8))


def test_grid_puts_every_image_in_the_row_of_its_cluster():
    images = samples(3, 1)
    runner = fake_runner(one_cluster(classifier(k=3), cluster=2, k=3), images)
    ClusterGridHook(interval=1, num_images=3, per_cluster=4).draw(runner, 0)
    (name, _, grid), = runner.visualizer.images
    assert name == 'cluster_grid' and grid.shape == (3 * 12, 4 * 12, 3)  # 8 px + 2 px frames
    assert (grid[:24] == 40).all()  # rows 0 and 1: no member, background only
    for col, sample in enumerate(images):
        cell = grid[24 + 2:24 + 10, 12 * col + 2:12 * col + 10, 0]
        assert np.array_equal(cell, sample['inputs'][0].numpy())
    assert (grid[24:, 36:] == 40).all()  # 3 members: the 4th column stays empty


@pytest.mark.parametrize('hook, model', [(SegOverlayHook, classifier), (ClusterGridHook, segmentor)])
def test_each_drawing_names_the_model_it_needs(hook, model):
    runner = fake_runner(model(3), samples(2, 1 if model is classifier else 3))
    with pytest.raises(ValueError, match='needs an? (segmentation|image clustering) model'):
        hook(interval=1, num_images=2).draw(runner, 0)
