"""mmiic.apis.held_out: held-out predictions for choosing settings without labels."""
import os.path as osp

import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmiic.apis import (dense_heldout_losses, dense_probs, dense_scoring, held_out_labels,
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
    # A model trained with another d and lamb is still scored with the reference d and
    # lamb = 1, on the same pairs; its own loss settings come back afterwards.
    loss_fn = model.cluster_heads.losses['main']
    loss_fn.displacement, loss_fn.lamb = 2, 3.0
    again = dense_heldout_losses(model, Runner.build_dataloader(pairs), scoring)
    np.testing.assert_allclose(again, first, rtol=1e-6)
    assert (loss_fn.displacement, loss_fn.lamb) == (2, 3.0)
    assert first.shape == (5, ) and all(-np.log(3) <= v <= 0 for v in first)  # 5 sub-heads


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
    model = MODELS.build(dict(cfg.model, loss_at_input_size=False))
    assert dense_probs(model, Runner.build_dataloader(loader), 10_000)[1].tolist() == [[8, 8]] * 2
