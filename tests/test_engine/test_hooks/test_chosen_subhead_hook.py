"""The metric's chosen sub-head reaches the model, the checkpoints and init_model."""
from types import SimpleNamespace

import torch
from mmengine.logging import MessageHub
from mmengine.runner import save_checkpoint

from mmiic.engine.hooks import ChosenSubheadHook
from mmiic.engine.hooks.chosen_subhead_hook import chosen_subhead
from mmiic.models.classifiers import IICClassifier


def classifier():
    return IICClassifier(
        backbone=dict(type='mmiic.IICVGG', arch=[4, 'M'], in_channels=1),
        head=dict(type='mmiic.ClusterHeads', in_channels=4 * 4 * 4, num_classes=3, num_subheads=5),
        data_preprocessor=dict(type='mmiic.IICDataPreprocessor', in_channels=1))


def test_after_val_sets_the_model_and_rewrites_this_iterations_checkpoint(tmp_path):
    model = classifier()
    hub = MessageHub.get_instance('chosen_subhead_test')
    path = str(tmp_path / 'iter_8.pth')
    save_checkpoint(dict(meta=dict(iter=8, test_subhead=0), state_dict=model.state_dict()), path)
    hub.update_info('last_ckpt', path)
    runner = SimpleNamespace(model=model, iter=8, message_hub=hub)
    hook = ChosenSubheadHook()
    hook.after_val_epoch(runner, {'cluster/acc': 50.0, 'cluster/chosen_subhead': 3})
    assert model.cluster_heads.test_subhead == 3
    rewritten = torch.load(path, weights_only=False)
    assert rewritten['meta']['test_subhead'] == 3
    assert int(rewritten['state_dict']['cluster_heads.test_subhead_index']) == 3
    # A later checkpoint gets it from before_save_checkpoint; an older one is left alone.
    checkpoint = {'meta': {}}
    hook.before_save_checkpoint(runner, checkpoint)
    assert checkpoint['meta']['test_subhead'] == 3
    runner.iter = 9
    hook.after_val_epoch(runner, {'cluster/chosen_subhead': 1})
    assert torch.load(path, weights_only=False)['meta']['test_subhead'] == 3
    assert model.cluster_heads.test_subhead == 1
    # The index is part of the weights: loading them restores it.
    fresh = classifier()
    fresh.load_state_dict(torch.load(path, weights_only=False)['state_dict'])
    assert fresh.cluster_heads.test_subhead == 3
    # Older checkpoints (index in the meta only) get it into the state dict before loading.
    older = {k: v for k, v in model.state_dict().items() if 'test_subhead' not in k}
    checkpoint = {'meta': {'test_subhead': 2}, 'state_dict': older}
    hook.after_load_checkpoint(SimpleNamespace(model=fresh), checkpoint)
    fresh.load_state_dict(checkpoint['state_dict'])
    assert fresh.cluster_heads.test_subhead == 2


def test_chosen_subhead_reads_prefixed_keys():
    assert chosen_subhead({'cluster/chosen_subhead': 4.0}) == 4
    assert chosen_subhead({'seg/acc': 1.0}) is None
    assert chosen_subhead(None) is None


def test_segmentation_choice_from_the_main_heads_training_losses():
    """train_loss_window: lowest mean loss of the main head's sub-heads over
    the last main-head iterations; overclustering iterations do not count."""
    model = classifier()
    runner = SimpleNamespace(model=model)
    hook = ChosenSubheadHook(train_loss_window=2)
    main = lambda *losses: {f'main_subhead{i}': torch.tensor(v) for i, v in enumerate(losses)}
    hook.after_train_iter(runner, 0, outputs=main(-1.0, -2.0, -1.5, -1.0, -1.0))
    assert model.cluster_heads.test_subhead == 1
    # Sub-head 2 is lowest on average over the last two main-head iterations.
    hook.after_train_iter(runner, 1, outputs=main(-1.0, -1.0, -2.2, -1.0, -1.0))
    assert model.cluster_heads.test_subhead == 2
    hook.after_train_iter(runner, 2, outputs={'overcluster_subhead0': torch.tensor(-9.0)})
    assert model.cluster_heads.test_subhead == 2
    # The first iteration leaves the window: sub-head 3 wins now.
    hook.after_train_iter(runner, 3, outputs=main(-1.0, -1.0, -1.0, -3.5, -1.0))
    assert model.cluster_heads.test_subhead == 3
    assert int(model.state_dict()['cluster_heads.test_subhead_index']) == 3
    # Without a window the hook leaves training alone.
    model.cluster_heads.test_subhead = 0
    ChosenSubheadHook().after_train_iter(runner, 4, outputs=main(0.0, -5.0, 0.0, 0.0, 0.0))
    assert model.cluster_heads.test_subhead == 0
