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


def test_main_head_skips_overcluster_only_samples():
    model = IICClassifier(**MODEL)
    inputs, samples = _batch()
    for s in samples[2:]:
        s.set_metainfo(dict(main_head_sample=False))
    data = model.data_preprocessor(dict(inputs=inputs, data_samples=samples), True)
    model.eval()  # fixed BN statistics, so the two losses are comparable
    with torch.no_grad():
        masked = model(**data, mode='loss')['loss_main']
        kept = model(data['inputs'][:2], samples[:2], mode='loss')['loss_main']
    assert masked.item() == pytest.approx(kept.item(), rel=1e-5)
    model.cluster_heads.set_active_head('overcluster')
    with torch.no_grad():
        all_four = model(**data, mode='loss')['loss_overcluster']
        first_two = model(data['inputs'][:2], samples[:2], mode='loss')['loss_overcluster']
    assert all_four.item() != pytest.approx(first_two.item(), rel=1e-5)


def test_batch_without_main_head_samples_scores_zero_and_leaves_overcluster_alone():
    model = IICClassifier(**MODEL)
    inputs, samples = _batch()
    for s in samples:
        s.set_metainfo(dict(main_head_sample=False))
    data = model.data_preprocessor(dict(inputs=inputs, data_samples=samples), True)
    losses = model(**data, mode='loss')
    assert losses['loss_main'].item() == 0.0
    losses['loss_main'].backward()
    assert (model.cluster_heads.heads['main'].predictors[0].weight.grad == 0).all()
    assert model.cluster_heads.heads['overcluster'].predictors[0].weight.grad is None


def test_predict_fills_every_subhead_and_the_joint():
    model = IICClassifier(**MODEL).eval()
    inputs, samples = _batch(b=3, r=1)
    data = model.data_preprocessor(dict(inputs=inputs, data_samples=samples), False)
    out = model(**data, mode='predict')
    assert out[0].main_clusters.shape == (2, ) and out[0].overcluster_clusters.shape == (2, )
    assert out[0].main_joint.shape == (2, 3, 3)
    assert out[0].main_joint.sum().item() == pytest.approx(2.0, rel=1e-5)  # one pair, 2 sub-heads
    assert out[0].pred_label.item() == out[0].main_clusters[0].item()
    single = model(data['inputs'][:, 0], samples, mode='predict')
    assert 'main_joint' not in single[0]


def test_training_without_pairs_is_refused():
    model = IICClassifier(**MODEL)
    with pytest.raises(ValueError, match='paired views'):
        model(torch.rand(2, 2, 8, 8), mode='loss')
