"""mmiic.apis: label-free inference on the shipped configs, the chosen sub-head (also
for mmpretrain's and mmseg's inferencers), strict loading, the recorded preprocessing."""
import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import save_checkpoint
from mmpretrain import ImageClassificationInferencer, get_model
from mmseg.apis import MMSegInferencer

from mmiic.apis import (build_inference_pipeline, inference_model, init_model,
                        set_slide_inference)
from mmiic.engine.hooks import CheckpointCheckHook, ChosenSubheadHook

CONFIGS = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'iic')
NARROW_SEG = dict(model=dict(backbone=dict(arch=[8, 'M', 16, (16, 2)]),
                             decode_head=dict(in_channels=16)))


def _image(path, shape=(50, 70, 3), seed=0):
    img = np.random.default_rng(seed).integers(0, 255, shape, dtype=np.uint8)
    cv2.imwrite(str(path), img)
    return str(path)


def test_segmentation_config_with_label_loader(tmp_path):
    # mmseg's inference_model raised KeyError 'seg_map_path' here (LoadIICAnnotations kept).
    model = init_model(osp.join(CONFIGS, 'iic_vgg_cocostuff3.py'), device='cpu',
                       cfg_options=NARROW_SEG)
    steps = [t['type'] for t in build_inference_pipeline(model.cfg)]
    assert steps == ['mmiic.LoadIICImage', 'Resize', 'mmiic.PackIICSegInputs']
    sample = inference_model(model, _image(tmp_path / 'photo.jpg', (60, 90, 3)))
    assert sample.pred_sem_seg.data.shape == (1, 60, 90)
    assert sample.seg_logits.data.shape == (3, 60, 90)


def test_mosaic_demo_config_without_image_loader(tmp_path):
    model = init_model(osp.join(CONFIGS, 'iic_minivgg_mosaic_demo.py'), device='cpu')
    path = _image(tmp_path / 'mosaic.png')
    frame = cv2.imread(path)
    from_file, from_array = inference_model(model, [path, frame])
    assert from_file.pred_sem_seg.data.shape == (1, 50, 70)
    torch.testing.assert_close(from_file.seg_logits.data, from_array.seg_logits.data)
    whole = from_file.pred_sem_seg.data
    set_slide_inference(model, 32, 24)
    slid = inference_model(model, path)
    assert slid.pred_sem_seg.data.shape == whole.shape
    assert model.test_cfg.mode == 'slide'


def test_clustering_config_grey_model_and_chosen_subhead(tmp_path):
    # mmpretrain's inferencer fed 3 channels to this in_channels=1 model and found no pred_score.
    model = init_model(osp.join(CONFIGS, 'iic_minivgg_mnist_demo.py'), device='cpu')
    paths = [_image(tmp_path / f'digit_{i}.png', (28, 28, 3), seed=i) for i in range(3)]
    model.cluster_heads.test_subhead = 3
    samples = inference_model(model, paths)
    pipeline = build_inference_pipeline(model.cfg)
    assert pipeline[0]['color_type'] == 'grayscale'
    from mmengine.dataset import Compose, pseudo_collate
    loaded = [Compose(pipeline)(dict(img_path=p)) for p in paths]
    data = model.data_preprocessor(pseudo_collate(loaded))
    assert data['inputs'].shape == (3, 1, 24, 24)
    probs = model(data['inputs'], mode='tensor')['main'][3]  # [3, 10]
    for sample, p in zip(samples, probs):
        torch.testing.assert_close(sample.pred_score, p)
        assert int(sample.pred_label) == int(p.argmax())
        assert int(sample.main_clusters[3]) == int(p.argmax())


def test_init_model_restores_subhead_and_loading_from_checkpoint(tmp_path):
    config = osp.join(CONFIGS, 'iic_minivgg_mnist_demo.py')
    model = init_model(config, device='cpu')
    checkpoint = str(tmp_path / 'model.pth')
    # Written before the sub-head was part of the weights: meta['test_subhead'] only.
    weights = {k: v for k, v in model.state_dict().items() if 'test_subhead' not in k}
    save_checkpoint(dict(state_dict=weights,
                         meta=dict(test_subhead=4, dataset_meta=dict(color_type='color'))),
                    checkpoint)
    loaded = init_model(config, checkpoint, device='auto')
    assert loaded.cluster_heads.test_subhead == 4
    assert next(loaded.parameters()).device.type == ('cuda' if torch.cuda.is_available() else 'cpu')
    assert build_inference_pipeline(loaded.cfg, loaded.dataset_meta)[0]['color_type'] == 'color'
    with pytest.raises(ValueError, match='test_subhead must lie in'):
        loaded.cluster_heads.test_subhead = 5


def test_init_model_refuses_a_checkpoint_of_another_config(tmp_path):
    # mmengine's non-strict loading left these weights random, with warnings only.
    config = osp.join(CONFIGS, 'iic_minivgg_mnist_demo.py')
    wider = init_model(config, device='cpu', cfg_options=dict(
        model=dict(backbone=dict(arch=[16, 'M', 32, 'M', 64, 'M']),
                   head=dict(in_channels=64 * 3 * 3))))
    checkpoint = str(tmp_path / 'other.pth')
    save_checkpoint(dict(state_dict=wider.state_dict(), meta={}), checkpoint)
    with pytest.raises(ValueError, match=rf'checkpoint {checkpoint} does not fit the model of '
                       r'this config: \d+ state-dict entries do not match'):
        init_model(config, checkpoint, device='cpu')
    # Only the backbone on purpose: the matching weights load, the rest is listed.
    backbone = {k: v for k, v in init_model(config, device='cpu').state_dict().items()
                if k.startswith('backbone.')}
    save_checkpoint(dict(state_dict=backbone, meta={}), checkpoint)
    with pytest.raises(ValueError, match='missing from the checkpoint'):
        init_model(config, checkpoint, device='cpu')
    with pytest.warns(UserWarning, match='missing from the checkpoint'):
        model = init_model(config, checkpoint, device='cpu', cfg_options={
            'default_hooks.checkpoint_check.allow_partial': True})
    for key, value in backbone.items():
        torch.testing.assert_close(model.state_dict()[key], value)


def _perturbed_checkpoint(model, path, subhead):
    """The model with distinct sub-heads, predicting with ``subhead``, saved as a
    training run saves it (ChosenSubheadHook writes the choice)."""
    torch.manual_seed(0)
    with torch.no_grad():
        for param in model.cluster_heads.parameters():
            param.add_(torch.randn_like(param))
    model.cluster_heads.test_subhead = subhead
    checkpoint = dict(meta={}, state_dict=model.state_dict())
    ChosenSubheadHook().before_save_checkpoint(SimpleNamespace(model=model), checkpoint)
    save_checkpoint(checkpoint, path)
    return path


def test_mmpretrain_apis_predict_with_the_chosen_subhead(tmp_path):
    # mmpretrain's get_model / ImageClassificationInferencer predicted with sub-head 0.
    cfg = Config.fromfile(osp.join(CONFIGS, 'iic_minivgg_folder_cluster.py'))
    cfg.merge_from_dict({'model.head.num_classes': 3, 'model.head.num_overclusters': 6})
    config = str(tmp_path / 'cluster.py')
    cfg.dump(config)
    checkpoint = _perturbed_checkpoint(init_model(config, device='cpu'),
                                       str(tmp_path / 'model.pth'), subhead=3)
    paths = [_image(tmp_path / f'img_{i}.png', (40, 44, 3), seed=i) for i in range(4)]
    expected = inference_model(init_model(config, checkpoint, device='cpu'), paths)
    assert get_model(config, pretrained=checkpoint).cluster_heads.test_subhead == 3
    inferencer = ImageClassificationInferencer(config, pretrained=checkpoint, device='cpu')
    results = inferencer(paths)
    for sample, result in zip(expected, results):
        np.testing.assert_allclose(result['pred_scores'], sample.pred_score.numpy(), rtol=1e-5,
                                   atol=1e-6)
        assert result['pred_label'] == int(sample.pred_label)


def test_mmseg_inferencer_predicts_with_the_chosen_subhead(tmp_path):
    cfg = Config.fromfile(osp.join(CONFIGS, 'iic_vgg_cocostuff3.py'))
    cfg.merge_from_dict(NARROW_SEG)
    cfg.model.decode_head.num_subheads = 3
    # MMSegInferencer needs mmcv's image loader and no label loader.
    cfg.test_dataloader.dataset.pipeline = [
        dict(type='LoadImageFromFile'), dict(type='Resize', scale_factor=1 / 3, keep_ratio=True),
        dict(type='mmiic.PackIICSegInputs')]
    config = str(tmp_path / 'seg.py')
    cfg.dump(config)
    model = init_model(config, device='cpu')
    checkpoint = _perturbed_checkpoint(model, str(tmp_path / 'model.pth'), subhead=2)
    paths = [_image(tmp_path / f'photo_{i}.png', (60, 90, 3), seed=i) for i in range(2)]
    expected = inference_model(init_model(config, checkpoint, device='cpu'), paths)
    results = MMSegInferencer(config, weights=checkpoint, device='cpu')(
        paths, return_datasamples=True)
    model.cluster_heads.test_subhead = 0
    first_subhead = inference_model(model, paths)
    for sample, result, other in zip(expected, results, first_subhead):
        torch.testing.assert_close(result.seg_logits.data, sample.seg_logits.data)
        assert not torch.allclose(other.seg_logits.data, sample.seg_logits.data, atol=1e-3)


def test_on_the_folder_template_mmseg_inferencer_fails_as_the_readme_says(tmp_path):
    # mmseg's code reads test_dataloader.dataset.pipeline and needs LoadImageFromFile; the
    # template (mmiic.LoadIICImage, no test set without labels) cannot give it that, and the
    # error is mmseg's. The README and the template's header name what to use instead.
    config = osp.join(CONFIGS, 'iic_minivgg_folder_seg.py')
    checkpoint = str(tmp_path / 'model.pth')
    save_checkpoint(dict(state_dict=init_model(config, device='cpu').state_dict(), meta={}),
                    checkpoint)
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'dataset'"):
        MMSegInferencer(config, weights=checkpoint, device='cpu')
    readme = open(osp.join(CONFIGS, '..', '..', 'README.md')).read()
    assert "`AttributeError: 'NoneType' object has no attribute 'dataset'`" in readme
    assert 'use `tools/infer.py` or `mmiic.apis.init_model`' in readme
    assert 'use tools/infer.py or mmiic.apis.init_model/inference_model' in open(config).read()
    image = _image(tmp_path / 'cells.png', (40, 60, 3))
    sample = inference_model(init_model(config, checkpoint, device='cpu'), image)
    assert sample.pred_sem_seg.data.shape == (1, 40, 60)


def test_init_model_predicts_with_the_preprocessing_of_training(tmp_path, monkeypatch):
    # The folder template reads OBJECT_SIZE when parsed: without it at inference the
    # images were resized by 1.0 instead of training's 0.6, silently.
    config = osp.join(CONFIGS, 'iic_minivgg_folder_seg.py')
    monkeypatch.setenv('OBJECT_SIZE', '40')
    trained = Config.fromfile(config)
    model = init_model(trained, device='cpu')
    checkpoint = dict(meta=dict(dataset_meta=dict(color_type='color')),
                      state_dict=model.state_dict())
    CheckpointCheckHook().before_save_checkpoint(SimpleNamespace(cfg=trained), checkpoint)
    path = str(tmp_path / 'model.pth')
    save_checkpoint(checkpoint, path)
    image = _image(tmp_path / 'cells.png', (80, 120, 3))
    expected = inference_model(init_model(config, path, device='cpu'), image)

    monkeypatch.delenv('OBJECT_SIZE')
    with pytest.warns(UserWarning, match=r'Resize.scale_factor: 0.6 in training, 1.0 in this '
                      r'config(.|\n)*Predicting with the one of training'):
        model = init_model(config, path, device='cpu')
    assert model.inference_pipeline[1]['scale_factor'] == 0.6
    torch.testing.assert_close(inference_model(model, image).seg_logits.data,
                               expected.seg_logits.data)
    # The config's preprocessing on purpose (e.g. new images at another pixel size).
    with pytest.warns(UserWarning, match="Predicting with this config's"):
        model = init_model(config, path, device='cpu', cfg_options={
            'default_hooks.checkpoint_check.preprocessing': 'config'})
    assert model.inference_pipeline[1]['scale_factor'] == 1.0


def test_init_model_cfg_options_reach_the_values_computed_from_a_variable():
    config = osp.join(CONFIGS, 'iic_minivgg_folder_cluster.py')
    model = init_model(config, device='cpu', cfg_options={'num_clusters': 5, 'image_size': 64})
    assert model.cluster_heads.num_clusters == dict(main=5, overcluster=25)
    assert model.cfg.model.head.in_channels == 128 * 8 * 8
    images = [np.full((70, 80, 3), v, np.uint8) for v in (30, 220)]
    probs = [s.pred_score for s in inference_model(model, images)]  # 64 px crops fit the head
    assert all(p.shape == (5, ) for p in probs)
    with pytest.raises(ValueError, match='Did you mean num_clusters'):
        init_model(config, device='cpu', cfg_options={'num_cluster': 5})
