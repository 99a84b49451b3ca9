"""Apply a trained IIC model to new images, with no labels and no data set.

mmseg's and mmpretrain's ``inference_model`` cannot run IIC configs: their
test pipelines load labels (``LoadIICAnnotations``), build paired views for
the metric, or have no image loader at all (images held in memory, as for
MNIST or the texture mosaics). :func:`build_inference_pipeline` derives a
label-free, single-view pipeline from any mmiic config, and
:func:`init_model` loads a checkpoint strictly and restores what it knows
beyond the weights: how images were prepared in training (the recorded
``meta['inference_pipeline']``; ``dataset_meta``: ``color_type``,
``channel_stats``). The sub-head the metric chose is part of the weights
(``cluster_heads.test_subhead_index``; older checkpoints: ``meta['test_subhead']``).
"""
import copy
import os.path as osp
from pathlib import Path
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config, ConfigDict
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import MODELS, init_default_scope
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint_to_model

from mmiic.engine.hooks.checkpoint_check_hook import CheckpointCheckHook
from mmiic.models.wrappers import unwrap_model
from mmiic.utils.checkpoint_compat import register_checkpoint_loader
from mmiic.utils.config_loading import load_config, merge_cfg_options, type_name

ImageType = Union[str, np.ndarray]
_ANNOTATION_LOADERS = ('LoadAnnotations', 'LoadIICAnnotations')
_IMAGE_LOADERS = ('LoadImageFromFile', 'LoadImageFromNDArray', 'LoadIICImage')
_MMCV_LOADERS = ('LoadImageFromFile', 'LoadImageFromNDArray')


def _test_pipeline(cfg: Config) -> List[dict]:
    dataset = cfg.get('test_dataloader', {}).get('dataset') if cfg.get('test_dataloader') else None
    while dataset is not None and 'pipeline' not in dataset and dataset.get('datasets'):
        dataset = dataset['datasets'][0]  # ConcatDataset: the first member's pipeline
    if dataset is not None and 'pipeline' in dataset:
        return list(dataset['pipeline'])
    if cfg.get('test_pipeline') is not None:
        return list(cfg.test_pipeline)
    raise ValueError('the config has no test pipeline (test_dataloader.dataset.pipeline or '
                     'test_pipeline)')


def _default_color_type(cfg: Config) -> str:
    preprocessor = cfg.model.get('data_preprocessor') or {}
    channels = preprocessor.get('in_channels')
    return {1: 'grayscale', 3: 'color', None: 'color'}.get(channels, 'unchanged')


def build_inference_pipeline(cfg: Config, dataset_meta: Optional[dict] = None) -> List[dict]:
    """A label-free, single-view version of the config's test pipeline.

    From ``test_dataloader.dataset.pipeline``: annotation loaders are
    dropped, ``IICPairedViews`` is replaced by its first-view transforms, and
    the image loader becomes ``mmiic.LoadIICImage`` (reads a path or takes an
    array in OpenCV's BGR order, video frames included). The loader keeps
    the training data's colour handling: ``color_type`` and ``channel_stats``
    from ``dataset_meta`` (the checkpoint's), else from the config's loader,
    else from the data preprocessor's ``in_channels`` (1: grey, 3: colour).
    Images reach the model as mmcv's loader gave them in training: BGR where
    the config used ``LoadImageFromFile``, RGB otherwise.

    Returns:
        list[dict]: transform configs (build them with
        :class:`mmengine.dataset.Compose` under the config's default scope).
    """
    dataset_meta = dataset_meta or {}
    steps, loader = [], None
    for transform in _test_pipeline(cfg):
        short = type_name(transform)
        if short in _ANNOTATION_LOADERS:
            continue
        if short in _IMAGE_LOADERS:
            loader = transform
            continue
        if short == 'IICPairedViews':
            steps += [copy.deepcopy(t) for t in transform['view_pipeline']]
            continue
        steps.append(copy.deepcopy(transform))
    color_type = dataset_meta.get('color_type')
    stats = dataset_meta.get('channel_stats')
    channel_order = 'rgb'
    if loader is not None:
        color_type = color_type or loader.get('color_type')
        stats = stats or loader.get('channel_stats')
        if type_name(loader) in _MMCV_LOADERS and loader.get('channel_order', 'bgr') == 'bgr':
            channel_order = 'bgr'
    if color_type not in ('color', 'grayscale', 'unchanged'):
        color_type = _default_color_type(cfg)
    load = dict(type='mmiic.LoadIICImage', color_type=color_type, channel_stats=stats,
                channel_order=channel_order)
    return [load] + steps


def _device(device: Optional[str]) -> str:
    if device is None or device == 'auto':
        return 'cuda' if torch.cuda.is_available() else 'cpu'
    return device


def init_model(config: Union[str, Path, Config],
               checkpoint: Optional[str] = None,
               device: Optional[str] = None,
               cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """Build an IIC model (segmentation or clustering) from a config and checkpoint.

    Args:
        config (str | Path | Config): config file or object.
        checkpoint (str, optional): checkpoint to load; None keeps the
            initial weights (a warning-free way to test the pipeline).
        device (str, optional): 'cpu', 'cuda', 'cuda:1', ...; None or
            'auto' picks CUDA when available.
        cfg_options (dict, optional): overrides, as ``--cfg-options`` (see
            :func:`mmiic.utils.load_config`).

    The checkpoint is loaded with mmiic's safe loaders (installed here, see
    :func:`mmiic.utils.register_checkpoint_loader`) and checked by
    :class:`mmiic.engine.hooks.CheckpointCheckHook`,
    with the arguments of the config's ``default_hooks.checkpoint_check``:
    weights that are missing, left over or of another shape raise a
    ``ValueError`` naming them (``allow_partial=True`` loads the matching
    ones), and the model predicts with the preprocessing recorded in the
    checkpoint, with a warning if the config derives another one
    (``preprocessing='config'`` uses the config's).

    Returns:
        nn.Module: the model in eval mode, with ``cfg``, ``dataset_meta``,
        ``inference_pipeline`` (transform configs) and
        ``cluster_heads.test_subhead`` (from the checkpoint) set.
    """
    # As the tools load it: variables such as num_clusters reach the values computed from them.
    if isinstance(config, (str, Path)):
        config = load_config(config, cfg_options)
    elif isinstance(config, Config):
        config = merge_cfg_options(config, cfg_options)
    else:
        raise TypeError(f'config must be a filename or Config object, got {type(config)}')
    init_default_scope(config.get('default_scope', 'mmseg'))
    model_cfg = copy.deepcopy(config.model)
    model_cfg.pop('pretrained', None)
    if 'train_cfg' in model_cfg:
        model_cfg['train_cfg'] = None
    if checkpoint is not None and isinstance(model_cfg.get('backbone'), dict):
        model_cfg['backbone'].pop('init_cfg', None)  # the checkpoint replaces pretrained weights
    model = MODELS.build(model_cfg)
    check = CheckpointCheckHook.from_config(config)
    meta = {}
    if checkpoint is not None:
        register_checkpoint_loader()
        loaded = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
        check.check_weights(model, loaded, f'checkpoint {checkpoint}')
        _load_checkpoint_to_model(model, loaded)
        meta = loaded.get('meta') or {}
    model.dataset_meta = dict(meta.get('dataset_meta') or {})
    model.inference_pipeline = check.inference_pipeline(config, meta)
    model.cfg = config
    return model.to(_device(device)).eval()


def _pipeline(model) -> Compose:
    # Built once per model: the config and checkpoint do not change.
    cached = getattr(model, '_mmiic_inference_pipeline', None)
    if cached is None:
        init_default_scope(model.cfg.get('default_scope', 'mmseg'))
        steps = getattr(model, 'inference_pipeline', None) or build_inference_pipeline(
            model.cfg, getattr(model, 'dataset_meta', None))
        cached = Compose(copy.deepcopy(steps))
        model._mmiic_inference_pipeline = cached
    return cached


def is_segmentor(model) -> bool:
    """Dense (segmentation) or image clustering model."""
    return hasattr(model, 'decode_head')


def set_slide_inference(model, crop_size: Optional[int], stride: Optional[int] = None) -> None:
    """Predict by mmseg's sliding window (``crop_size`` px windows, ``stride``
    px apart, default 3/4 of a window) or, with ``crop_size=None``, whole."""
    if crop_size is None:
        model.test_cfg = ConfigDict(mode='whole')
        return
    stride = stride or max(1, crop_size * 3 // 4)
    model.test_cfg = ConfigDict(mode='slide', crop_size=(crop_size, crop_size),
                                stride=(stride, stride))


class UnreadableImageError(ValueError):
    """An input image that its loader cannot read (corrupt, not an image, an
    unsupported channel count); the message names the file and the cause."""


def prepare_image(model, image: ImageType) -> dict:
    """One image through the model's inference pipeline: loaded (the pipeline's
    first step), then resized and packed as :func:`inference_model` batches it.

    Args:
        model (nn.Module): from :func:`init_model`.
        image (str | np.ndarray): a file path or an array ([H, W] or
            [H, W, C], OpenCV's BGR order).

    Raises:
        UnreadableImageError: the image cannot be read; errors of the later
            steps (a bad config) pass unchanged.
    """
    if isinstance(image, str):
        results = dict(img_path=image)
    elif isinstance(image, np.ndarray):
        results = dict(img=image, img_path=None)
    else:
        raise TypeError(f'images must be paths or numpy arrays, got {type(image)}')
    load, *steps = _pipeline(model).transforms
    try:
        results = load(results)
    except (OSError, ValueError) as error:  # the loader names the file and the cause
        raise UnreadableImageError(str(error)) from error
    for step in steps:
        results = step(results)
    return results


@torch.no_grad()
def predict_prepared(model, data: List[dict]) -> list:
    """Predictions for images from :func:`prepare_image` (see :func:`inference_model`)."""
    if is_segmentor(model):
        # Images of different sizes cannot share a batch: one at a time.
        return [model.test_step(pseudo_collate([d]))[0] for d in data]
    return model.test_step(pseudo_collate(data))


def inference_model(model, images: Union[ImageType, Sequence[ImageType]]):
    """Predict clusters of images without labels.

    Args:
        model (nn.Module): from :func:`init_model`.
        images (str | np.ndarray | list): file paths or arrays ([H, W] or
            [H, W, C], OpenCV's BGR order, e.g. video frames).

    Returns:
        A data sample (a list of them for a list input): a ``SegDataSample``
        with ``pred_sem_seg`` ([1, H, W] cluster ids at the image's size) and
        ``seg_logits`` ([k, H, W] probabilities), or an mmpretrain
        ``DataSample`` with ``pred_label`` (the cluster) and ``pred_score``
        ([k] probabilities), both from ``cluster_heads.test_subhead``.

    Raises:
        UnreadableImageError: for the first image that cannot be read.
    """
    single = isinstance(images, (str, np.ndarray))
    items = [images] if single else list(images)
    outputs = predict_prepared(model, [prepare_image(model, item) for item in items])
    return outputs[0] if single else outputs


def write_cluster_mapping(runner, path: Optional[str] = None) -> Optional[str]:
    """Write the test metric's cluster -> class mapping as JSON.

    Called by ``tools/test.py`` after ``runner.test()``; the file names the
    clusters for ``tools/infer.py --mapping``. Class names come from the
    metric (``class_names``) or the test data set's ``classes``; ``head`` is
    the head the model tested with (``decode_head.test_head``).

    Returns:
        str | None: the path written, or None if no metric has a mapping
        (e.g. on ranks other than 0, or with a metric other than mmiic's).
    """
    from mmiic.visualization import save_cluster_mapping
    found = None
    for metric in getattr(runner.test_evaluator, 'metrics', []):
        if getattr(metric, 'cluster_mapping', None) is not None:
            found = metric.cluster_mapping
            break
    if found is None:
        return None
    classes = found.get('classes')
    if classes is None:
        meta = getattr(runner.test_dataloader.dataset, 'metainfo', {}) or {}
        classes = meta.get('classes') or [str(i) for i in range(max(found['mapping']) + 1)]
    # The head the model tested with (a segmentor's decode_head.test_head) is the
    # one the mapping belongs to; tools/infer.py checks it.
    model = unwrap_model(runner.model)
    head = getattr(getattr(model, 'decode_head', None), 'test_head', None) or found.get(
        'head', 'main')
    path = path or osp.join(runner.log_dir, 'cluster_mapping.json')
    save_cluster_mapping(path, found['mapping'], classes, head=head,
                         subhead=found.get('subhead'))
    return path
