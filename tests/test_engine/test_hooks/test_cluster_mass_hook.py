"""ClusterMassHook and the other cluster pictures go through the runner's visualizer."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from mmiic.engine.hooks import (ClusterGridHook, ClusterJointHook, ClusterMassHook, SegOverlayHook,
                                joint_heatmap)
from mmiic.models.classifiers import IICClassifier


class RecordingVisualizer:
    def __init__(self):
        self.scalars, self.images = [], []

    def add_scalars(self, scalars, step=0, **kwargs):
        self.scalars.append((step, scalars))

    def add_image(self, name, image, step=0):
        self.images.append((name, step, image))


def classifier(k=3, subheads=2):
    torch.manual_seed(0)
    return IICClassifier(
        backbone=dict(type='mmiic.IICVGG', arch=[4, 'M'], in_channels=1),
        head=dict(type='mmiic.ClusterHeads', in_channels=4 * 4 * 4, num_classes=k,
                  num_subheads=subheads),
        data_preprocessor=dict(type='mmiic.IICDataPreprocessor', in_channels=1))


def fake_runner(model, samples):
    return SimpleNamespace(model=model, iter=0, visualizer=RecordingVisualizer(),
                           val_loop=SimpleNamespace(dataloader=SimpleNamespace(dataset=samples)))


def grey_samples(n, seed=0):
    rng = np.random.default_rng(seed)
    return [dict(inputs=torch.from_numpy(rng.integers(0, 255, (1, 8, 8), dtype=np.uint8)))
            for _ in range(n)]


def test_masses_go_to_the_visualizer_as_scalars_and_a_plot():
    model = classifier()
    runner = fake_runner(model, grey_samples(5))
    hook = ClusterMassHook(interval=2, num_images=4)
    hook.before_train(runner)
    for it in range(4):
        runner.iter = it
        hook.after_train_iter(runner, it)
    runner.iter = 5  # the loop stopped after an odd number of iterations
    hook.after_train(runner)
    steps = [step for step, _ in runner.visualizer.scalars]
    assert steps == [0, 2, 4, 5]
    for _, scalars in runner.visualizer.scalars:
        assert sorted(scalars) == ['cluster_mass/0', 'cluster_mass/1', 'cluster_mass/2']
        assert abs(sum(scalars.values()) - 1) < 1e-6
    (name, step, image), = runner.visualizer.images
    assert name == 'cluster_mass' and step == 5 and image.ndim == 3 and image.dtype == np.uint8
    assert model.training


def test_masses_follow_the_test_subhead():
    model = classifier(subheads=2)
    with torch.no_grad():  # sub-head 1 puts everything into cluster 2
        model.cluster_heads.heads['main'].predictors[1].bias.copy_(torch.tensor([0., 0., 50.]))
    runner = fake_runner(model, grey_samples(4))
    hook = ClusterMassHook(interval=1, num_images=4)
    model.cluster_heads.test_subhead = 1
    hook.draw(runner, 0)
    assert runner.visualizer.scalars[-1][1]['cluster_mass/2'] == 1.0


def test_joint_heatmap_and_grid_for_clustering():
    runner = fake_runner(classifier(k=4), grey_samples(12))
    ClusterJointHook(interval=1, num_images=12, cell=5).draw(runner, 3)
    ClusterGridHook(interval=1, num_images=12, per_cluster=6).draw(runner, 3)
    (joint_name, step, joint), (grid_name, _, grid) = runner.visualizer.images
    assert joint_name == 'cluster_joint' and step == 3 and joint.shape == (20, 20, 3)
    # 4 rows of (8 + 2 * 2) px, 6 columns.
    assert grid_name == 'cluster_grid' and grid.shape == (4 * 12, 6 * 12, 3)
    with pytest.raises(ValueError, match='SegOverlayHook needs a segmentation model'):
        SegOverlayHook(num_images=2).draw(runner, 0)


def test_joint_heatmap_is_brightest_at_the_largest_entry():
    joint = np.array([[0.5, 0.0], [0.0, 0.1]])
    image = joint_heatmap(joint, cell=2)
    assert image.shape == (4, 4, 3)
    assert image[0, 0].sum() > image[3, 3].sum() > image[0, 3].sum()


def test_segmentation_overlays_images_of_different_sizes():
    from mmiic.models.segmentors import IICSegmentor
    torch.manual_seed(0)
    model = IICSegmentor(
        backbone=dict(type='mmiic.IICVGG', arch=[4, 'M'], in_channels=3),
        decode_head=dict(type='mmiic.IICHead', in_channels=4, num_classes=5),
        data_preprocessor=dict(type='mmiic.IICDataPreprocessor', in_channels=3))
    rng = np.random.default_rng(0)
    samples = [dict(inputs=torch.from_numpy(rng.integers(0, 255, (3, 8 + 4 * i, 12),
                                                         dtype=np.uint8)))
               for i in range(2)]
    runner = fake_runner(model, samples)
    SegOverlayHook(num_images=2).draw(runner, 7)
    ClusterJointHook(num_images=2, cell=3).draw(runner, 7)
    ClusterMassHook(num_images=2).draw(runner, 7)
    (name, step, overlay), (_, _, joint) = runner.visualizer.images
    assert name == 'cluster_overlay' and step == 7
    assert overlay.shape == (8 + 12, 2 * 12, 3)  # rows of input | overlay
    assert joint.shape == (15, 15, 3)
    assert abs(sum(runner.visualizer.scalars[0][1].values()) - 1) < 1e-6


def test_mirrored_predictions_mirror_the_raw_images_before_sobel():
    torch.manual_seed(0)
    model = IICClassifier(
        backbone=dict(type='mmiic.IICVGG', arch=[4, 'M'], in_channels=2),
        head=dict(type='mmiic.ClusterHeads', in_channels=4 * 4 * 4, num_classes=3, num_subheads=1),
        data_preprocessor=dict(type='mmiic.IICDataPreprocessor', sobel='sobel', in_channels=1))
    samples = grey_samples(2)
    seen = []
    forward = model.forward
    model.forward = lambda inputs, *a, **k: seen.append(inputs) or forward(inputs, *a, **k)
    ClusterJointHook(num_images=2).main_probs(fake_runner(model, samples), mirror=True)
    raw = torch.stack([s['inputs'] for s in samples]).flip(-1)
    expected = model.data_preprocessor(dict(inputs=raw))['inputs']
    # The x-gradient of the mirrored image, not the mirrored x-gradient (opposite sign).
    torch.testing.assert_close(seen[0], expected)
