"""mmiic.utils.load_config: --cfg-options that set a variable of a config file
reach every value computed from it (issue 18, item 3), or are refused."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

from mmiic.utils import load_config, merge_cfg_options

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CLS_CONFIG = osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_folder_cluster.py')
SEG_CONFIG = osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_folder_seg.py')
DEVICE_VIEWS = osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_mnist_demo_device_views.py')


def _transforms(pipeline, name):
    return [t for t in pipeline if t['type'].split('.')[-1] == name]


def test_num_clusters_reaches_the_heads_and_the_built_model():
    cfg = load_config(CLS_CONFIG, {'num_clusters': 5})
    assert cfg.num_clusters == 5
    assert cfg.model.head.num_classes == 5 and cfg.model.head.num_overclusters == 25
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    assert model.cluster_heads.num_clusters == dict(main=5, overcluster=25)
    seg = load_config(SEG_CONFIG, {'num_clusters': 5})
    assert seg.model.decode_head.num_classes == 5
    assert seg.model.decode_head.num_overclusters == 20


def test_evaluators_take_the_classes_from_the_labels_not_from_num_clusters():
    # The evaluators' number of classes is the labels' (any count up to num_clusters):
    # nothing in them is left behind by --cfg-options num_clusters.
    cfg = load_config(CLS_CONFIG, {'num_clusters': 5, 'labels': 'folders'})
    for key in ('val_evaluator', 'test_evaluator'):
        assert cfg[key] == dict(type='mmiic.ClusterMetric')
    for key in ('val_dataloader', 'test_dataloader'):
        assert cfg[key].dataset.labels == 'folders'
    seg = load_config(SEG_CONFIG, {'num_clusters': 5, 'label_dir': 'labels', 'classes': ('a', 'b')})
    assert seg.test_evaluator == dict(type='mmiic.SegClusterMetric')
    assert seg.test_dataloader.dataset.label_dir == 'labels'
    assert seg.test_dataloader.dataset.classes == ('a', 'b')


def test_image_size_reaches_in_channels_and_every_pipeline():
    cfg = load_config(CLS_CONFIG, {'image_size': 64})
    assert cfg.model.head.in_channels == 128 * 8 * 8
    for pipeline in (cfg.train_pipeline, cfg.train_dataloader.dataset.pipeline,
                     cfg.test_pipeline, cfg.val_dataloader.dataset.pipeline,
                     cfg.test_dataloader.dataset.pipeline):
        assert _transforms(pipeline, 'ResizeEdge')[0]['scale'] == 64
        (views, ) = _transforms(pipeline, 'IICPairedViews')
        assert views['view_pipeline'][0]['crop_size'] == 64
        assert views['pair_pipeline'][0]['crop_sizes'] == (48, 64)
        assert views['pair_pipeline'][0]['out_size'] == 64


def test_crop_size_and_object_size_reach_the_segmentation_pipeline_and_loss():
    cfg = load_config(SEG_CONFIG, {'crop_size': (64, 96), 'object_size': 48})
    pipeline = cfg.train_dataloader.dataset.pipeline
    assert _transforms(pipeline, 'RandomCrop')[0]['crop_size'] == (64, 96)
    assert _transforms(pipeline, 'Pad')[0]['size'] == (64, 96)
    # object_size 48 -> scale 0.5, d = round(48 * 0.5 / 4) = 6 in both losses and all pipelines.
    assert cfg.scale_factor == 0.5 and cfg.displacement == 6
    assert cfg.model.decode_head.loss_decode.displacement == 6
    assert cfg.model.decode_head.overcluster_loss.displacement == 6
    for pipeline in (pipeline, cfg.test_pipeline, cfg.eval_pipeline):
        assert _transforms(pipeline, 'Resize')[0]['scale_factor'] == 0.5


def test_plain_keys_merge_after_the_variables():
    cfg = load_config(SEG_CONFIG, {'num_clusters': 4, 'label_dir': 'labels', 'classes': ('a', ),
                                   'model.decode_head.num_overclusters': 7,
                                   'test_dataloader.num_workers': 0, 'work_dir': '/tmp/w'})
    assert cfg.model.decode_head.num_classes == 4
    assert cfg.model.decode_head.num_overclusters == 7
    assert cfg.test_dataloader.num_workers == 0 and cfg.work_dir == '/tmp/w'


def test_a_variable_of_a_base_file_reaches_its_base_and_the_children(tmp_path):
    child = tmp_path / 'my_cluster.py'
    child.write_text(f'_base_ = [{CLS_CONFIG!r}]\nmodel = dict(head=dict(num_subheads=2))\n')
    cfg = load_config(child, {'num_clusters': 3})
    assert cfg.model.head.num_classes == 3 and cfg.model.head.num_subheads == 2
    # A child reading the base's variable ({{_base_.num_repeats}}) follows too.
    cfg = load_config(DEVICE_VIEWS, {'num_repeats': 4, 'max_iters': 7})
    assert cfg.model.data_preprocessor.batch_views.num_repeats == 4
    assert _transforms(cfg.train_pipeline, 'IICPairedViews')[0]['num_repeats'] == 4
    assert cfg.train_cfg.max_iters == 7 and cfg.train_cfg.val_interval == 7


def test_the_config_keeps_its_file_name_and_predefined_variables(tmp_path):
    config = tmp_path / 'knobs.py'
    config.write_text("size = 2\nmodel = dict(width=size * 8)\n"
                      "work_dir = './work_dirs/{{ fileBasenameNoExtension }}'\n")
    cfg = load_config(config, {'size': 3})
    assert cfg.model.width == 24 and cfg.work_dir == './work_dirs/knobs'
    assert cfg.filename == str(config)
    assert str(config) in cfg.text and 'mmiic_cfg_' not in cfg.text
    dumped = tmp_path / 'dumped.py'
    cfg.dump(str(dumped))
    assert Config.fromfile(str(dumped)).model.width == 24


@pytest.mark.parametrize('options, message', [
    ({'num_cluster': 5}, "no key or variable 'num_cluster'.*Did you mean num_clusters"),
    ({'crop_size.0': 64}, r'crop_size is a variable of the config; set it whole \(e\.g\. '
                          r'crop_size=\(128, 128\)'),
    ({'test_dataloader.batch_size': 2}, 'test_dataloader is None'),
    ({'num_clusters': object()}, 'must be a Python literal'),
])
def test_options_that_would_not_act_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        load_config(SEG_CONFIG, options)


def test_runner_settings_absent_from_the_config_are_merged():
    cfg = load_config(SEG_CONFIG, {'randomness.seed': 3, 'experiment_name': 'x'})
    assert cfg.randomness.seed == 3 and cfg.experiment_name == 'x'


def test_a_variable_of_a_lazy_import_config_is_refused(tmp_path):
    (tmp_path / 'lazy_base.py').write_text('width = 4\n')
    lazy = tmp_path / 'lazy.py'
    lazy.write_text('from mmengine.config import read_base\n\nwith read_base():\n'
                    '    from .lazy_base import *\n\nsize = 2\nmodel = dict(width=size * width)\n')
    with pytest.raises(ValueError, match=r'size is a variable of .*lazy\.py, a lazy-import '
                                         r'config.*Set size in that file'):
        load_config(lazy, {'size': 3})


def test_merge_cfg_options_rederives_from_how_the_config_was_loaded():
    cfg = load_config(CLS_CONFIG, {'num_clusters': 5})
    wider = merge_cfg_options(cfg, {'image_size': 64})
    assert wider.model.head.num_classes == 5 and wider.model.head.in_channels == 8192
    assert cfg.model.head.in_channels == 2048  # the argument is left as it was
    changed = load_config(CLS_CONFIG)
    changed.model.head.num_subheads = 1
    with pytest.raises(ValueError, match='changed after loading'):
        merge_cfg_options(changed, {'image_size': 64})
    assert merge_cfg_options(changed, {'train_cfg.max_iters': 3}).model.head.num_subheads == 1


def test_a_key_into_a_dict_variable_reaches_every_value_built_from_it():
    # resize is a dict the pipelines hold; merged, the option changed cfg.resize alone.
    cfg = load_config(SEG_CONFIG, {'resize.scale_factor': 0.5})
    for pipeline in (cfg.train_dataloader.dataset.pipeline, cfg.test_pipeline, cfg.eval_pipeline):
        assert _transforms(pipeline, 'Resize')[0]['scale_factor'] == 0.5
    finetune = osp.join(ROOT, 'configs', 'iic', 'iic_resnet5g_stl10_finetune.py')
    cfg = load_config(finetune, {'held_out.num_images': 100})
    assert cfg.train_dataloader.dataset.held_out.num_images == 100
    assert cfg.val_dataloader.dataset.held_out.num_images == 100
    # A list of dicts takes an index, as mmengine's merge does.
    cfg = load_config(SEG_CONFIG, {'train_pipeline.2.crop_size': (64, 64)})
    assert _transforms(cfg.train_dataloader.dataset.pipeline, 'RandomCrop')[0]['crop_size'] == (
        64, 64)


@pytest.mark.parametrize('config, options, message', [
    (CLS_CONFIG, {'num_clusters': 5}, r'num_clusters=5 would change nothing that is used.*'
                                      r'keys holding its value 10.*model\.head\.num_classes'),
    (SEG_CONFIG, {'resize.scale_factor': 0.5},
     r'resize\.scale_factor=0\.5 would change nothing.*train_dataloader\.dataset\.pipeline\.1\.'
     r'scale_factor'),
    (CLS_CONFIG, {'labels': 'folders'}, 'labels=.folders. would change nothing that is used'),
])
def test_a_variable_of_a_dumped_config_is_refused(tmp_path, config, options, message):
    # A config a run dumps into its work dir holds literals: nothing follows its variables.
    dumped = tmp_path / 'dumped.py'
    load_config(config).dump(str(dumped))
    with pytest.raises(ValueError, match=message):
        load_config(dumped, options)
    name = next(iter(options)).split('.')[0]
    same = load_config(dumped)[name]
    assert load_config(dumped, {name: same})[name] == same  # the value it has: nothing to refuse


def test_a_variable_used_only_under_a_condition_not_met_is_refused():
    with pytest.raises(ValueError, match=r"classes=\('a', 'b'\) would change nothing"):
        load_config(SEG_CONFIG, {'classes': ('a', 'b')})
    # With what it depends on, each of the two reaches the test set.
    cfg = load_config(SEG_CONFIG, {'label_dir': 'labels', 'classes': ('a', 'b')})
    assert cfg.test_dataloader.dataset.classes == ('a', 'b')
