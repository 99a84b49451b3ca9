"""tools/train.py takes mmpretrain 1.x's --resume [PATH], --no-validate and --auto-scale-lr."""
import glob
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmiic.testing import MNIST_CONFIG, MOSAIC_CONFIG, load_tool

train_tool = load_tool('tools/train.py')


def _train(work_dir, options, *argv, epochs=1):
    train_tool.main([MNIST_CONFIG, '--work-dir', str(work_dir), *argv, '--cfg-options', *options,
                     f'train_cfg.max_epochs={epochs}',
                     f'experiment_name={osp.basename(work_dir)}_{epochs}'])


def _scalars(work_dir):
    lines = []
    for path in glob.glob(osp.join(str(work_dir), '*', 'vis_data', 'scalars.json')):
        with open(path) as f:
            lines += [json.loads(line) for line in f]
    return lines


def _iteration(checkpoint):
    return torch.load(checkpoint, map_location='cpu', weights_only=False)['meta']['iter']


@pytest.mark.slow
def test_resume_from_a_given_checkpoint_or_the_latest(tiny_mnist, tmp_path):
    _, options, _ = tiny_mnist  # 12 images, batch 4: 3 iterations per epoch
    first, second = tmp_path / 'first', tmp_path / 'second'
    _train(first, options)
    assert _iteration(first / 'epoch_1.pth') == 3
    assert any('cluster/acc' in s for s in _scalars(first))  # validated after each epoch
    # --resume PATH: continues the given checkpoint in another work dir.
    _train(second, options, '--resume', str(first / 'epoch_1.pth'), epochs=2)
    assert _iteration(second / 'epoch_2.pth') == 6
    assert not osp.exists(second / 'epoch_1.pth')  # epoch 1 was not trained again
    # --resume without PATH (followed by another option): the latest checkpoint of the work dir.
    _train(first, options, '--resume', epochs=2)
    assert _iteration(first / 'epoch_2.pth') == 6
    with pytest.raises(SystemExit):
        train_tool.parse_args([MNIST_CONFIG, '--resume', str(tmp_path / 'missing.pth')])


@pytest.mark.slow
def test_no_validate_trains_without_evaluating(tiny_mnist, tmp_path):
    _, options, _ = tiny_mnist
    # The sub-head is chosen from validation metrics only: without them, said so.
    with pytest.warns(UserWarning, match=r'never validates(.|\n)*predict with sub-head 0 of 2'
                      r'(.|\n)*tools/test.py(.|\n)*train_loss_window'):
        _train(tmp_path / 'w', options, '--no-validate')
    assert osp.isfile(tmp_path / 'w' / 'epoch_1.pth')
    scalars = _scalars(tmp_path / 'w')
    assert scalars and not any(key.startswith('cluster/') for s in scalars for key in s)


@pytest.mark.slow
def test_auto_scale_lr_scales_by_the_batch_size(tiny_mnist, tmp_path):
    _, options, _ = tiny_mnist  # batch size 4
    cfg = Config.fromfile(MNIST_CONFIG)
    expected = cfg.optim_wrapper.optimizer.lr * 4 / cfg.auto_scale_lr.base_batch_size
    _train(tmp_path / 'w', options, '--auto-scale-lr')
    lrs = {s['lr'] for s in _scalars(tmp_path / 'w') if 'lr' in s}
    assert lrs and all(lr == pytest.approx(expected) for lr in lrs)
    with pytest.raises(ValueError, match='has no auto_scale_lr.base_batch_size'):
        train_tool.main([MOSAIC_CONFIG, '--work-dir', str(tmp_path / 'seg'), '--auto-scale-lr'])
