"""Semi-supervised finetuning: an IIC checkpoint's backbone under mmpretrain's
ImageClassifier, trained with labels (configs/iic/iic_resnet5g_stl10_finetune.py)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner
from test_cls_configs import CONFIG_DIR, tiny_runner_cfg

import mmiic  # noqa: F401
from mmiic.testing import make_stl10


class Recorder(Hook):
    """Copies the backbone weights once they are initialised (before step 1)
    and keeps the validation metrics."""

    def before_train(self, runner) -> None:
        self.state = {k: v.clone() for k, v in runner.model.backbone.state_dict().items()}

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.metrics = metrics


def shrink_views(pipeline, size=32):
    """Train on 32 px images instead of 64, to keep ResNet-34 cheap on a shared CPU."""
    for step in pipeline:
        if 'out_size' in step:  # IIC views: crop as configured, resize to `size`
            step.out_size = size
        elif 'crop_size' in step:  # RandomCrop / CenterCrop
            step.crop_size = size
        for nested in ('view_pipeline', 'pair_pipeline'):
            if nested in step:
                shrink_views(step[nested], size)


def finetune_cfg(checkpoint, data_root, work_dir):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, 'iic_resnet5g_stl10_finetune.py'))
    cfg.model.backbone.init_cfg.checkpoint = checkpoint
    # The trunk narrowed as tiny_runner_cfg narrows the IIC run's (same layer layout).
    cfg.model.backbone.update(stem_channels=8, base_channels=8)
    cfg.model.head.in_channels = 8 * 8
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[key]
        loader.dataset.data_root = data_root
        if 'held_out' in loader.dataset:  # 1 of the tiny set's labelled train images
            loader.dataset.held_out.num_images = 1
        loader.batch_size = 2
        loader.num_workers = 0
        loader.persistent_workers = False
        shrink_views(loader.dataset.pipeline)
    # 3 of 4 labelled train images, batch 2: one epoch = 2 iterations, then one validation.
    cfg.train_cfg.max_epochs = 1
    cfg.default_hooks.checkpoint.update(save_last=False, save_best=None)
    cfg.default_hooks.logger.interval = 1
    cfg.work_dir = work_dir
    return cfg


@pytest.fixture(scope='module')
def iic_checkpoint(tmp_path_factory):
    """Train the STL-10 overclustering config (the finetuning config's default
    source) for 1 iteration and keep its checkpoint."""
    tmp_path = tmp_path_factory.mktemp('iic')
    cfg = tiny_runner_cfg('iic_resnet5g_stl10_overcluster.py', tmp_path)
    # Kept small for the CPU: one batch of 2 images with one paired view each.
    cfg.train_dataloader.dataset.indices = 2
    cfg.train_dataloader.dataset.pipeline[0].num_repeats = 1
    shrink_views(cfg.train_dataloader.dataset.pipeline)
    runner = Runner.from_cfg(cfg)
    runner.train()
    path = osp.join(str(tmp_path / 'work'), 'epoch_1.pth')
    assert osp.isfile(path)
    return path


@pytest.mark.slow
def test_finetune_starts_from_the_iic_backbone_and_trains(iic_checkpoint, tmp_path):
    data_root = make_stl10(str(tmp_path / 'stl10'), n=4, n_unlabeled=1)
    runner = Runner.from_cfg(finetune_cfg(iic_checkpoint, data_root, str(tmp_path / 'ft')))
    assert type(runner.model).__name__ == 'ImageClassifier'
    assert type(runner.model.head).__name__ == 'LinearClsHead'
    start = Recorder()
    runner.register_hook(start)
    runner.train()
    assert runner.iter == 2

    saved = torch.load(iic_checkpoint, map_location='cpu', weights_only=False)['state_dict']
    iic_backbone = {k[len('backbone.'):]: v for k, v in saved.items() if k.startswith('backbone.')}
    assert iic_backbone.keys() == start.state.keys()
    for name, value in iic_backbone.items():
        assert torch.equal(start.state[name], value), name
    # The cluster heads are gone, the classifier is new, and the backbone is trained.
    assert not any(k.startswith('cluster_heads') for k in runner.model.state_dict())
    now = runner.model.backbone.state_dict()
    assert any(not torch.equal(now[k], start.state[k]) for k in now if k.endswith('weight'))
    assert 0 <= start.metrics['accuracy/top1'] <= 100


def test_missing_iic_checkpoint_names_the_path(tmp_path):
    data_root = make_stl10(str(tmp_path / 'stl10'), n=2, n_unlabeled=1)
    missing = str(tmp_path / 'no_such_run' / 'epoch_7.pth')
    runner = Runner.from_cfg(finetune_cfg(missing, data_root, str(tmp_path / 'ft')))
    with pytest.raises(FileNotFoundError, match='no_such_run/epoch_7.pth'):
        runner.train()


@pytest.mark.slow
def test_load_from_an_iic_checkpoint_is_a_partial_load_on_purpose_only(iic_checkpoint, tmp_path):
    # mmengine loaded load_from non-strictly: a checkpoint of another model went in with
    # warnings. Loading only the backbone stays possible through allow_partial.
    data_root = make_stl10(str(tmp_path / 'stl10'), n=4, n_unlabeled=1)
    cfg = finetune_cfg(iic_checkpoint, data_root, str(tmp_path / 'refused'))
    cfg.model.backbone.init_cfg = None
    cfg.load_from = iic_checkpoint
    with pytest.raises(ValueError, match=r'missing from the checkpoint:\n    head.fc.weight'
                       r'(.|\n)*not in the model:(.|\n)*cluster_heads.heads'):
        Runner.from_cfg(cfg).train()
    cfg.work_dir = str(tmp_path / 'partial')
    cfg.default_hooks.checkpoint_check.allow_partial = True
    runner = Runner.from_cfg(cfg)
    start = Recorder()
    runner.register_hook(start)
    with pytest.warns(UserWarning, match='Loading the matching entries only'):
        runner.train()
    assert runner.iter == 2
    saved = torch.load(iic_checkpoint, map_location='cpu', weights_only=False)['state_dict']
    for name, value in start.state.items():
        assert torch.equal(saved[f'backbone.{name}'], value), name


@pytest.mark.slow
def test_checkpoints_are_chosen_on_held_out_train_images_never_on_the_test_split(tmp_path):
    """save_best='accuracy/top1' read the validation metric, and validation was the 8k test
    images (test_dataloader = val_dataloader): ~160 evaluations chose the reported checkpoint on
    the test split. Validation now uses train images held out of training."""
    from mmengine.registry import init_default_scope

    from mmiic.registry import DATASETS
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(osp.join(CONFIG_DIR, 'iic_resnet5g_stl10_finetune.py'))
    assert cfg.default_hooks.checkpoint.save_best == 'accuracy/top1'
    root = make_stl10(str(tmp_path / 'stl10'), n=20, n_unlabeled=1)

    def images(loader, **changes):
        dataset = dict(loader.dataset, data_root=root, pipeline=[], **changes)
        if dataset.get('held_out'):
            dataset['held_out'] = dict(dataset['held_out'], num_images=5)
        built = DATASETS.build(dataset)
        return {built[i]['img'].tobytes() for i in range(len(built))}

    train, val = images(cfg.train_dataloader), images(cfg.val_dataloader)
    test = images(cfg.test_dataloader)
    train_split = images(cfg.train_dataloader, held_out=None)
    test_split = images(cfg.test_dataloader, splits=('test', ))
    assert len(val) == 5 and len(train) == 15
    assert val <= train_split and val.isdisjoint(train) and val.isdisjoint(test_split)
    assert test == test_split
    assert cfg.val_evaluator == cfg.test_evaluator
