"""IICHead on pretrained mmseg/mmpretrain backbones (ResNet-50 V1c, DINOv2
ViT-S/14): each shipped config loads a checkpoint file (here: random weights
saved to a temporary file in the checkpoint's real key layout), trains 2
iterations on tiny data and evaluates; frozen variants keep the backbone
unchanged, finetuned ones train it."""
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.registry import MODELS, DefaultScope
from mmengine.runner import Runner
from test_seg_configs import tiny_cfg

import mmiic  # noqa: F401

CONFIGS = [
    f'iic_{backbone}_{data}_{variant}.py' for backbone in ('r50v1c', 'dinov2-vits14')
    for data in ('cocostuff27', 'potsdam3') for variant in ('frozen', 'finetune')
]


class Recorder(Hook):
    """Copies the backbone weights once they are initialised (before step 1)
    and keeps the validation metrics."""

    def before_train(self, runner) -> None:
        self.state = {k: v.clone() for k, v in runner.model.backbone.state_dict().items()}

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.metrics = metrics


def write_random_checkpoint(backbone_cfg, prefix, path):
    """Save a randomly initialised backbone as the released file would hold it:
    plain backbone keys (open-mmlab ResNet) or 'backbone.'-prefixed ones
    (an mmpretrain ImageClassifier checkpoint)."""
    cfg = backbone_cfg.copy()
    cfg.pop('init_cfg')
    with DefaultScope.overwrite_default_scope('mmseg'):
        backbone = MODELS.build(cfg)
    backbone.init_weights()
    state = {prefix + k: v for k, v in backbone.state_dict().items()}
    torch.save(dict(state_dict=state, meta=dict()), path)
    return {k: v.clone() for k, v in backbone.state_dict().items()}


def pretrained_tiny_cfg(name, tmp_path):
    cfg = tiny_cfg(name, tmp_path)
    # Kept small for a shared CPU: one image pair per step, 64 px crops instead
    # of 224, one validation image, no checkpoint of the (large) model.
    cfg.train_dataloader.batch_size = 1
    for step in cfg.train_dataloader.dataset.get('pipeline', []):
        if step.type in ('RandomCrop', 'Pad'):
            step[{'RandomCrop': 'crop_size', 'Pad': 'size'}[step.type]] = (64, 64)
    cfg.val_dataloader.dataset.indices = 1
    cfg.default_hooks.checkpoint.save_last = False
    init = cfg.model.backbone.init_cfg
    init.checkpoint = str(tmp_path / 'backbone.pth')
    saved = write_random_checkpoint(cfg.model.backbone, init.get('prefix', ''), init.checkpoint)
    return cfg, saved


@pytest.mark.slow
@pytest.mark.parametrize('name', CONFIGS)
def test_pretrained_backbone_loads_trains_and_evaluates(name, tmp_path):
    cfg, saved = pretrained_tiny_cfg(name, tmp_path)
    runner = Runner.from_cfg(cfg)
    start = Recorder()
    runner.register_hook(start)
    runner.train()
    assert runner.iter == 2
    assert start.state.keys() == saved.keys()
    for key, value in saved.items():
        assert torch.equal(start.state[key], value), f'{key} was not loaded from the checkpoint'
    now = runner.model.backbone.state_dict()
    changed = [k for k in now if not torch.equal(now[k], saved[k])]
    if name.endswith('_frozen.py'):
        assert not changed, f'frozen backbone changed: {changed[:5]}'
        assert not any(p.requires_grad for p in runner.model.backbone.parameters())
    else:
        assert changed
    assert 0 <= start.metrics['seg/acc'] <= 100 and 'seg/miou' in start.metrics


@pytest.mark.slow
def test_missing_backbone_checkpoint_names_the_path(tmp_path):
    cfg = tiny_cfg('iic_dinov2-vits14_potsdam3_frozen.py', tmp_path)
    missing = str(tmp_path / 'checkpoints' / 'dinov2_missing.pth')
    cfg.model.backbone.init_cfg.checkpoint = missing
    runner = Runner.from_cfg(cfg)
    with pytest.raises(FileNotFoundError, match='checkpoints/dinov2_missing.pth'):
        runner.train()


def test_potsdam_rgb_bands_reach_the_backbone(tmp_path):
    """The config's loader + channel_order turn a converted crop into R, G, B."""
    import cv2
    from mmcv.transforms import LoadImageFromFile
    cfg = tiny_cfg('iic_r50v1c_potsdam3_frozen.py', tmp_path)
    rgbir = torch.randint(0, 256, (6, 6, 4), dtype=torch.uint8).numpy()
    # As tools/dataset_converters/potsdam_iic.py writes an R, G, B, IR crop.
    cv2.imwrite(str(tmp_path / 'crop.png'), rgbir[..., [2, 1, 0, 3]])
    load_cfg = cfg.val_dataloader.dataset.pipeline[0].copy()
    assert load_cfg.pop('type') == 'LoadImageFromFile'
    loaded = LoadImageFromFile(**load_cfg)(dict(img_path=str(tmp_path / 'crop.png')))['img']
    pre_cfg = cfg.model.data_preprocessor.copy()
    pre_cfg.pop('type')
    pre = mmiic.models.IICDataPreprocessor(**pre_cfg)
    out = pre(dict(inputs=torch.from_numpy(loaded).permute(2, 0, 1)[None]))['inputs'][0]
    mean = torch.tensor(pre_cfg.mean).view(3, 1, 1)
    std = torch.tensor(pre_cfg.std).view(3, 1, 1)
    rgb = torch.from_numpy(rgbir[..., :3]).permute(2, 0, 1).float()
    assert torch.allclose(out, (rgb - mean) / std, atol=1e-5)
