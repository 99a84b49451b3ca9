"""mmiic.analysis.held_out: held-out predictions for choosing settings without labels."""
import os.path as osp
import random

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmiic.analysis import (dense_heldout_losses, dense_probs, dense_scoring, held_out_labels,
                            pixel_selection)
from mmiic.registry import DATASETS, MODELS
from mmiic.testing import make_mnist

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def test_pixel_selection_even_and_bounded():
    assert pixel_selection(10, 4).tolist() == [0, 3, 6, 9]
    assert pixel_selection(3, 100).tolist() == [0, 1, 2]


def test_held_out_labels_from_the_data_list(tmp_path):
    make_mnist(str(tmp_path), n_train=4, n_test=2)
    init_default_scope('mmpretrain')
    dataset = DATASETS.build(dict(type='mmiic.MNISTCluster', data_root=str(tmp_path),
                                  indices=[1, 4], pipeline=[]))
    expected = [dataset.get_data_info(i)['gt_label'] for i in range(2)]
    assert held_out_labels(dataset).tolist() == expected


def test_dense_loss_same_pairs_and_yardstick_for_every_model():
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_mosaic_demo.py'))
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    scoring = dense_scoring(model)
    assert scoring == dict(displacement=10, per_displacement=True, loss_at_input_size=True)
    pairs = dict(batch_size=2, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
                 dataset=dict(cfg.train_dataloader.dataset, num_images=3, size=32))
    first = dense_heldout_losses(model, Runner.build_dataloader(pairs), scoring)
    # A model trained with another d, lamb and loss resolution, caught while training its
    # overclustering head, is still scored with the reference d and lamb = 1 on the same
    # pairs of its main head; none of its settings is touched.
    heads = model.cluster_heads
    loss_fn = heads.losses['main']
    loss_fn.displacement, loss_fn.lamb = 2, 3.0
    model.decode_head.loss_at_input_size = False
    heads.set_active_head('overcluster')
    again = dense_heldout_losses(model, Runner.build_dataloader(pairs), scoring)
    np.testing.assert_allclose(again, first, rtol=1e-6)
    assert (loss_fn.displacement, loss_fn.lamb, heads.active_head) == (2, 3.0, 'overcluster')
    assert model.decode_head.loss_at_input_size is False
    assert first.shape == (cfg.model.decode_head.num_subheads, )
    assert ((-np.log(3) - 1e-6 <= first) & (first <= 1e-6)).all()


def test_dense_loss_is_the_training_loss_with_lamb_one():
    """Scored as the head trains (its own alignment and masks), with lamb = 1: with the
    model's own settings and lamb = 1 it is the mean of the main head's training losses."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_mosaic_demo.py'))
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    model.cluster_heads.losses['main'].lamb = 1.0
    pairs = dict(batch_size=2, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
                 dataset=dict(cfg.train_dataloader.dataset, num_images=4, size=32))
    scored = dense_heldout_losses(model, Runner.build_dataloader(pairs), dense_scoring(model))
    loader = Runner.build_dataloader(pairs)
    torch.manual_seed(0)  # the pairs dense_heldout_losses draws
    np.random.seed(0)
    random.seed(0)
    trained = []
    with torch.no_grad():
        for batch in loader:
            data = model.data_preprocessor(batch, False)
            out = model(**data, mode='loss')
            trained.append([float(out[f'main_subhead{i}'])
                            for i in range(model.cluster_heads.num_subheads)])
    np.testing.assert_allclose(scored, np.mean(trained, axis=0), rtol=1e-6)


def test_dense_probs_at_the_resolution_the_loss_sees():
    """With loss_at_input_size the held-out pixels are the input's (the head's output
    upsampled, as in training), so trunks of other strides score the same pixels."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_mosaic_demo.py'))
    init_default_scope(cfg.default_scope)
    loader = dict(batch_size=2, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
                  dataset=dict(cfg.test_dataloader.dataset, num_images=2, size=32))
    shapes = {}
    for arch, channels in ((cfg.model.backbone.arch, 64), ([8, 8], 8)):  # stride 4 and 1
        model_cfg = cfg.model.copy()
        model_cfg.backbone = dict(cfg.model.backbone, arch=arch)
        model_cfg.decode_head = dict(cfg.model.decode_head, in_channels=channels)
        probs, shapes[channels] = dense_probs(MODELS.build(model_cfg),
                                              Runner.build_dataloader(loader), 10_000)
        assert probs.shape == (2 * 32 * 32, 5, 3)
    np.testing.assert_array_equal(shapes[64], [[32, 32], [32, 32]])
    np.testing.assert_array_equal(shapes[8], shapes[64])
    model = MODELS.build(dict(cfg.model, decode_head=dict(cfg.model.decode_head,
                                                          loss_at_input_size=False)))
    assert dense_probs(model, Runner.build_dataloader(loader), 10_000)[1].tolist() == [[8, 8]] * 2
