"""mmiic.apis: label-free inference on the shipped configs, the chosen sub-head."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.runner import save_checkpoint

from mmiic.apis import (build_inference_pipeline, inference_model, init_model,
                        set_slide_inference)

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
    save_checkpoint(dict(state_dict=model.state_dict(),
                         meta=dict(test_subhead=4, dataset_meta=dict(color_type='color'))),
                    checkpoint)
    loaded = init_model(config, checkpoint, device='auto')
    assert loaded.cluster_heads.test_subhead == 4
    assert next(loaded.parameters()).device.type == ('cuda' if torch.cuda.is_available() else 'cpu')
    assert build_inference_pipeline(loaded.cfg, loaded.dataset_meta)[0]['color_type'] == 'color'
    with pytest.raises(ValueError, match='test_subhead must lie in'):
        loaded.cluster_heads.test_subhead = 5
