"""CheckpointCheckHook: a checkpoint of another config stops the run (counted and
named), on purpose partial loads are allowed, and the preprocessing recorded in
a checkpoint is checked against the config that tests it."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config

from mmiic.engine.hooks import CheckpointCheckHook, ensure_checkpoint_check
from mmiic.engine.hooks.checkpoint_check_hook import pipeline_differences
from mmiic.models.classifiers import IICClassifier


def classifier(width=4, num_subheads=3):
    return IICClassifier(
        backbone=dict(type='mmiic.IICVGG', arch=[width, 'M'], in_channels=1),
        head=dict(type='mmiic.ClusterHeads', in_channels=width * 4 * 4, num_classes=3,
                  num_subheads=num_subheads),
        data_preprocessor=dict(type='mmiic.IICDataPreprocessor', in_channels=1))


def test_weights_of_another_config_are_counted_and_named():
    other = dict(state_dict=classifier(width=8).state_dict(), meta={})
    with pytest.raises(ValueError) as error:
        CheckpointCheckHook().check_weights(classifier(width=4), other, 'checkpoint other.pth')
    message = str(error.value)
    # The first conv (8 vs 4 filters), its BatchNorm (4 tensors; the counter's shape fits)
    # and the sub-heads' linear layers (3 weights; their biases fit).
    assert 'checkpoint other.pth does not fit the model of this config: 8 state-dict entries' in (
        message)
    assert '8 of another shape' in message
    assert 'cluster_heads.heads.main.predictors.2.weight: [3, 128] in the checkpoint, [3, 64] in ' \
        'the model' in message
    assert 'allow_partial=True' in message


def test_missing_and_unexpected_entries_are_listed():
    state = classifier(num_subheads=3).state_dict()
    del state['backbone.layers.0.conv.weight']
    state['cluster_heads.heads.main.predictors.3.weight'] = torch.zeros(3, 64)
    with pytest.raises(ValueError) as error:
        CheckpointCheckHook().check_weights(classifier(num_subheads=3), dict(state_dict=state))
    message = str(error.value)
    assert '1 missing from the checkpoint:\n    backbone.layers.0.conv.weight' in message
    assert '1 not in the model:\n    cluster_heads.heads.main.predictors.3.weight' in message


def test_allow_partial_warns_instead():
    state = {k: v for k, v in classifier().state_dict().items() if k.startswith('backbone.')}
    with pytest.warns(UserWarning, match=r'7 missing from the checkpoint(.|\n)*Loading the '
                      r'matching entries only'):
        CheckpointCheckHook(allow_partial=True).check_weights(classifier(), dict(state_dict=state))


def test_matching_weights_pass_and_a_wrapped_models_prefix_is_ignored():
    state = {f'module.{k}': v for k, v in classifier().state_dict().items()}
    CheckpointCheckHook().check_weights(classifier(), dict(state_dict=state))


def test_old_checkpoint_gets_its_subhead_from_meta():
    model = classifier()
    state = model.state_dict()
    del state['cluster_heads.test_subhead_index']  # written before the index was state
    checkpoint = dict(state_dict=state, meta=dict(test_subhead=2))
    CheckpointCheckHook().check_weights(model, checkpoint)
    assert int(checkpoint['state_dict']['cluster_heads.test_subhead_index']) == 2
    conflicting = dict(state_dict=classifier().state_dict(), meta=dict(test_subhead=1))
    with pytest.raises(ValueError, match='names two predicting sub-heads'):
        CheckpointCheckHook().check_weights(model, conflicting)


def test_pipeline_differences_name_step_and_key():
    load = dict(type='mmiic.LoadIICImage', color_type='color')
    recorded = [load, dict(type='Resize', scale_factor=0.6, keep_ratio=True)]
    derived = [load, dict(type='Resize', scale_factor=1.0, keep_ratio=True)]
    assert pipeline_differences(recorded, derived) == [
        'Resize.scale_factor: 0.6 in training, 1.0 in this config']
    assert pipeline_differences(recorded, recorded) == []
    assert pipeline_differences(recorded, [load]) == [
        "steps: ['LoadIICImage', 'Resize'] in training, ['LoadIICImage'] in this config"]


def _runner(pipeline_scale):
    cfg = Config(dict(test_pipeline=[
        dict(type='mmiic.LoadIICImage'),
        dict(type='Resize', scale_factor=pipeline_scale, keep_ratio=True),
        dict(type='mmiic.PackIICSegInputs')], model=dict(), load_from='model.pth'))
    return SimpleNamespace(cfg=cfg, model=classifier())


def test_a_test_run_refuses_other_preprocessing_than_training():
    saved = dict(meta=dict(dataset_meta=dict(color_type='grayscale')),
                 state_dict=classifier().state_dict())
    CheckpointCheckHook().before_save_checkpoint(_runner(0.5), saved)
    recorded = saved['meta']['inference_pipeline']
    assert recorded[0] == dict(type='mmiic.LoadIICImage', color_type='grayscale',
                               channel_stats=None, channel_order='rgb')
    assert recorded[1]['scale_factor'] == 0.5

    hook = CheckpointCheckHook()
    hook.after_load_checkpoint(_runner(1.0), saved)
    with pytest.raises(ValueError, match=r'Resize.scale_factor: 0.5 in training, 1.0 in this '
                                         r'config(.|\n)*OBJECT_SIZE'):
        hook.before_test(_runner(1.0))
    hook.before_test(_runner(0.5))  # the same preprocessing passes
    on_purpose = CheckpointCheckHook(preprocessing='config')
    on_purpose.after_load_checkpoint(_runner(1.0), saved)
    with pytest.warns(UserWarning, match="Testing with this config's"):
        on_purpose.before_test(_runner(1.0))
    # A checkpoint loaded to start training (load_from) is no reason to refuse a test later.
    hook.before_train(_runner(1.0))
    hook.before_test(_runner(1.0))


def test_config_arguments_and_older_configs():
    cfg = Config(dict(default_hooks=dict(checkpoint_check=dict(
        type='mmiic.CheckpointCheckHook', allow_partial=True, preprocessing='config'))))
    hook = CheckpointCheckHook.from_config(cfg)
    assert hook.allow_partial and hook.preprocessing == 'config'
    with pytest.raises(ValueError, match="preprocessing must be one of"):
        CheckpointCheckHook(preprocessing='training')
    older = Config(dict(default_hooks=dict(logger=dict(type='LoggerHook'))))
    ensure_checkpoint_check(older)
    assert older.default_hooks.checkpoint_check == dict(type='mmiic.CheckpointCheckHook')
    ensure_checkpoint_check(cfg)  # a config's own arguments stay
    assert cfg.default_hooks.checkpoint_check.allow_partial


def test_resuming_without_a_path_names_the_checkpoint_it_loaded(tmp_path):
    # tools/train.py --resume (no PATH) sets load_from=None: the message said "checkpoint None".
    latest = tmp_path / 'epoch_3.pth'
    (tmp_path / 'last_checkpoint').write_text(str(latest))
    runner = SimpleNamespace(model=classifier(width=4), work_dir=str(tmp_path),
                             cfg=Config(dict(load_from=None, resume=True)))
    other = dict(state_dict=classifier(width=8).state_dict(), meta={})
    with pytest.raises(ValueError, match=rf'checkpoint {latest} does not fit the model'):
        CheckpointCheckHook().after_load_checkpoint(runner, other)
    runner.cfg = Config(dict(load_from='given.pth', resume=True))
    with pytest.raises(ValueError, match='checkpoint given.pth does not fit the model'):
        CheckpointCheckHook().after_load_checkpoint(runner, other)


def test_view_rng_state_is_no_weight_and_loads_across_view_paths(tmp_path):
    # The device views keep their RNG's seed and step as data preprocessor buffers: the
    # same network with views on the CPU was refused ("2 not in the model"), and back.
    from mmengine.runner import save_checkpoint

    from mmiic.apis import init_model
    configs = [f'configs/iic/iic_minivgg_mnist_demo{suffix}.py'
               for suffix in ('', '_device_views')]
    models = [init_model(config, device='cpu') for config in configs]
    assert {k for k in models[1].state_dict() if k not in models[0].state_dict()} == {
        'data_preprocessor.batch_views.seed', 'data_preprocessor.batch_views.step'}
    for source, target in ((0, 1), (1, 0)):
        path = str(tmp_path / f'{source}.pth')
        save_checkpoint(dict(state_dict=models[source].state_dict(), meta={}), path)
        loaded = init_model(configs[target], path, device='cpu')
        weight = 'backbone.layers.0.conv.weight'
        torch.testing.assert_close(loaded.state_dict()[weight], models[source].state_dict()[weight])
    # Weights still count: another width is refused.
    with pytest.raises(ValueError, match='does not fit the model'):
        CheckpointCheckHook().check_weights(classifier(width=4),
                                            dict(state_dict=classifier(width=8).state_dict()))


def test_bare_weights_exported_before_the_subhead_was_state_predict_with_subhead_0():
    model = classifier()
    model.cluster_heads.test_subhead = 2
    weights = model.state_dict()
    del weights['cluster_heads.test_subhead_index']  # a bare state dict, no meta to read
    with pytest.warns(UserWarning, match='holds no predicting sub-head.*with sub-head 0'):
        CheckpointCheckHook().check_weights(model, weights)
    assert int(weights['cluster_heads.test_subhead_index']) == 0
    model.load_state_dict(weights)
    assert model.cluster_heads.test_subhead == 0
