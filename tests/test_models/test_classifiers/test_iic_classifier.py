import pytest
import torch
from mmpretrain.structures import DataSample

from mmiic.models.classifiers import IICClassifier

MODEL = dict(
    backbone=dict(type='mmiic.IICVGG', arch=[4, 'M', 8, 'M'], in_channels=2),
    head=dict(type='mmiic.ClusterHeads', in_channels=8 * 2 * 2, num_classes=3, num_overclusters=6,
              num_subheads=2),
    data_preprocessor=dict(type='mmiic.IICDataPreprocessor', sobel='sobel', in_channels=1))


def _batch(b=4, r=2):
    torch.manual_seed(0)
    inputs = torch.randint(0, 255, (b, 1 + r, 1, 8, 8), dtype=torch.uint8)
    samples = [DataSample().set_gt_label(i % 3) for i in range(b)]
    return inputs, samples


def test_loss_pairs_each_image_with_its_r_views():
    model = IICClassifier(**MODEL)
    inputs, samples = _batch()
    data = model.data_preprocessor(dict(inputs=inputs, data_samples=samples), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_main', 'main_subhead0', 'main_subhead1'}
    losses['loss_main'].backward()
    assert model.backbone.layers[0].conv.weight.grad is not None
    assert model.cluster_heads.heads['overcluster'].predictors[0].weight.grad is None

    probs = model._view_probs(data['inputs'], ['main'])['main']  # [h, B, 3, k]
    first, pairs = model._pairs(probs)
    assert first.shape == pairs.shape == (2, 8, 3)
    assert torch.equal(first[:, 0], probs[:, 0, 0]) and torch.equal(first[:, 1], probs[:, 0, 0])
    assert torch.equal(pairs[:, 1], probs[:, 0, 2]) and torch.equal(pairs[:, 2], probs[:, 1, 1])


def test_main_head_refuses_overcluster_only_samples_before_the_forward_pass():
    model = IICClassifier(**MODEL)
    inputs, samples = _batch()
    samples[2].set_metainfo(dict(main_head_sample=False))
    data = model.data_preprocessor(dict(inputs=inputs, data_samples=samples), True)
    calls = []
    model.backbone.register_forward_hook(lambda *args: calls.append(1))
    with pytest.raises(ValueError, match='HeadSubsetSampler'):
        model(**data, mode='loss')
    assert not calls  # no forward compute spent on a batch it cannot use
    model.cluster_heads.set_active_head('overcluster')
    assert 'loss_overcluster' in model(**data, mode='loss') and calls


def test_predict_fills_every_subhead_and_the_view_probs_of_each_head():
    model = IICClassifier(**MODEL).eval()
    inputs, samples = _batch(b=3, r=1)
    data = model.data_preprocessor(dict(inputs=inputs, data_samples=samples), False)
    out = model(**data, mode='predict')
    assert out[0].main_clusters.shape == (2, ) and out[0].overcluster_clusters.shape == (2, )
    assert out[0].main_view_probs.shape == (2, 2, 3)  # [h, 1 + r, k]
    assert out[0].overcluster_view_probs.shape == (2, 2, 6)
    assert torch.allclose(out[0].main_view_probs.sum(-1), torch.ones(2, 2))
    assert torch.equal(out[1].main_clusters, out[1].main_view_probs[:, 0].argmax(-1))
    assert out[0].pred_label.item() == out[0].main_clusters[0].item()
    single = model(data['inputs'][:, 0], samples, mode='predict')
    assert 'main_view_probs' not in single[0]


def test_training_without_pairs_is_refused():
    model = IICClassifier(**MODEL)
    with pytest.raises(ValueError, match='paired views'):
        model(torch.rand(2, 2, 8, 8), mode='loss')
