"""mmiic.analysis.held_out: held-out predictions for choosing settings without labels."""
import os.path as osp

import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmiic.analysis import dense_heldout_losses, dense_scoring, held_out_labels, pixel_selection
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
    assert first.shape == (1, ) and -np.log(3) <= first[0] <= 0
