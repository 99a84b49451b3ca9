"""Refuse a checkpoint that does not fit the config, and keep in each checkpoint
how its images were prepared.

mmengine loads ``load_from`` (and so ``tools/test.py``'s checkpoint) with
``strict=False``: a checkpoint of another config loads with "size mismatch"
warnings, and the model predicts from its random initial weights. And a
config can read settings at parse time (the folder template's
``OBJECT_SIZE``), so the same config file can prepare images differently at
inference than in training. :class:`CheckpointCheckHook` stops both, and
:func:`mmiic.apis.init_model` applies the same checks through it.
"""
import re
import warnings
from typing import Dict, List, Optional

import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import find_latest_checkpoint

from mmiic.datasets.folder_datasets import folder_datasets_in
from mmiic.models.wrappers import unwrap_model
from mmiic.registry import HOOKS
from mmiic.utils.checkpoint_compat import register_checkpoint_loader
from mmiic.utils.config_loading import plain_value, type_name
from .chosen_subhead_hook import restore_subhead_from_meta

#: Name of the hook in ``default_hooks`` (configs set its arguments there).
HOOK_NAME = 'checkpoint_check'
#: Checkpoint meta key of the label-free pipeline inference must repeat.
PIPELINE_KEY = 'inference_pipeline'
PREPROCESSING_CHOICES = ('checkpoint', 'config')
#: State-dict entries that hold input-pipeline state, not weights (see weight_mismatches).
PIPELINE_STATE_PREFIXES = ('data_preprocessor.', )

_PARTIAL_HINT = (f'To load only the matching weights on purpose (e.g. a backbone), set '
                 f'default_hooks.{HOOK_NAME}.allow_partial=True (e.g. with --cfg-options), or '
                 "load a backbone through model.backbone.init_cfg=dict(type='Pretrained', "
                 "checkpoint=..., prefix='backbone.').")


def _meta_leaf(value):
    """A value a checkpoint's meta may hold (it is loaded with ``weights_only=True``)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, type):  # a transform given as a class
        return f'{value.__module__}.{value.__qualname__}'
    return repr(value)


def _plain(value):
    """Config values as plain Python (dicts, lists, numbers, strings): what a
    checkpoint's meta may hold and what compares equal whether it came from a
    config or a checkpoint."""
    return plain_value(value, keep_tuples=False, leaf=_meta_leaf)


def inference_pipeline_of(cfg, dataset_meta: Optional[dict] = None) -> Optional[List[dict]]:
    """:func:`mmiic.apis.build_inference_pipeline`, or None if the config has
    no test pipeline (``dataset_meta`` gives ``color_type`` and
    ``channel_stats``)."""
    from mmiic.apis.inference import build_inference_pipeline  # mmiic.apis imports the hooks
    try:
        return build_inference_pipeline(cfg, dataset_meta)
    except ValueError:
        return None


def pipeline_differences(recorded: List[dict], derived: List[dict]) -> List[str]:
    """Where two inference pipelines (plain data) differ, one line each.

    Returns:
        list[str]: e.g. ``'Resize.scale_factor: 0.6 in training, 1.0 in this
        config'``; empty if they are equal.
    """
    recorded, derived = _plain(recorded), _plain(derived)
    names = [type_name(s) for s in recorded], [type_name(s) for s in derived]
    if names[0] != names[1]:
        return [f'steps: {names[0]} in training, {names[1]} in this config']
    lines = []
    for name, old, new in zip(names[0], recorded, derived):
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                lines.append(f'{name}.{key}: {old.get(key)!r} in training, {new.get(key)!r} in '
                             'this config')
    return lines


def weight_mismatches(model: nn.Module, state_dict: Dict[str, object]) -> Dict[str, List[str]]:
    """Compare a checkpoint's state dict with the model's, key by key.

    Args:
        model (nn.Module): the (unwrapped) model.
        state_dict (dict): the checkpoint's weights (``module.`` prefixes of
            a wrapped model's checkpoint are ignored, as mmengine does).

    Returns:
        dict: ``shape`` (entries of another shape, with both shapes),
        ``missing`` (model entries the checkpoint lacks; BatchNorm's
        ``num_batches_tracked`` counters excepted, as mmengine does) and
        ``unexpected`` (checkpoint entries the model lacks). Entries of the
        data preprocessor are no weights but state of the input pipeline
        (the device views' RNG ``seed`` and ``step``): they are left out, so
        that a network trained with views on the device loads into the same
        network with views on the CPU, and back.
    """
    state = {k: v for k, v in ((re.sub(r'^module\.', '', k), v) for k, v in state_dict.items())
             if not k.startswith(PIPELINE_STATE_PREFIXES)}
    own = {k: v for k, v in model.state_dict().items()
           if not k.startswith(PIPELINE_STATE_PREFIXES)}
    shape = [f'{k}: {list(state[k].shape)} in the checkpoint, {list(v.shape)} in the model'
             for k, v in own.items()
             if k in state and hasattr(state[k], 'shape') and state[k].shape != v.shape]
    missing = [k for k in own if k not in state and not k.endswith('num_batches_tracked')]
    unexpected = [k for k in state if k not in own]
    return dict(shape=shape, missing=missing, unexpected=unexpected)


@HOOKS.register_module()
class CheckpointCheckHook(Hook):
    """Stop a run whose checkpoint does not fit its config.

    * **Weights** (every load: ``load_from``, ``--resume``,
      ``tools/test.py``, :func:`mmiic.apis.init_model`): checked before they
      are loaded. Entries missing from the checkpoint, entries the model
      lacks or entries of another shape raise a ``ValueError`` that counts
      and names them, instead of mmengine's warnings followed by a model
      with random weights. ``allow_partial=True`` loads the matching entries
      only (e.g. a backbone for fine-tuning) and warns with the list.
      Checkpoints written before the predicting sub-head was part of the
      model's state get it from their meta first
      (:func:`restore_subhead_from_meta`).
    * **Preprocessing**: each checkpoint saved records the label-free
      pipeline inference must repeat (``meta['inference_pipeline']``: the
      image loader with ``color_type``, channel order and ``channel_stats``,
      then the resize/crop steps, e.g. the ``scale_factor`` that
      ``OBJECT_SIZE`` gave in training). With ``preprocessing='checkpoint'``
      (default), :func:`mmiic.apis.init_model` (``tools/infer.py``) predicts
      with the recorded pipeline and warns when the config given at
      inference derives another one: the weights were trained on images
      prepared the recorded way, and the config may differ only because a
      setting read at parse time (``OBJECT_SIZE``) was not repeated. A test
      run (``tools/test.py``) refuses such a config with a ``ValueError``
      instead, because its data pipeline, labels included, is the config's
      and cannot be swapped for the recorded one. ``preprocessing='config'``
      uses the config's pipeline on purpose (e.g. new images at another
      pixel size) and warns. Checkpoints without a record (older ones) are
      not checked. A test run standardises its images with the training's
      per-channel statistics (``normalize='data'``: the checkpoint's
      ``dataset_meta['channel_stats']``), not with those its folder data
      set computed from the test images.

    * **Loading**: when its Runner starts (``before_run``, before mmengine
      loads ``load_from`` or resumes), the hook installs mmiic's safe
      checkpoint loaders (:func:`mmiic.utils.register_checkpoint_loader`),
      so that a Runner built from an mmiic config without mmiic's tools
      loads its own checkpoints (message hub included) under torch >= 2.6.

    Configs set the arguments in ``default_hooks.checkpoint_check``, where
    :func:`mmiic.apis.init_model` reads them too.

    Args:
        allow_partial (bool): load a checkpoint whose weights do not all
            match. Defaults to False.
        preprocessing (str): 'checkpoint' or 'config', see above. Defaults
            to 'checkpoint'.
    """

    priority = 'VERY_HIGH'  # check before other hooks act on the checkpoint

    def __init__(self, allow_partial: bool = False, preprocessing: str = 'checkpoint') -> None:
        if preprocessing not in PREPROCESSING_CHOICES:
            raise ValueError(f'preprocessing must be one of {PREPROCESSING_CHOICES}, got '
                             f'{preprocessing!r}')
        self.allow_partial = bool(allow_partial)
        self.preprocessing = preprocessing
        self._recorded: Optional[List[dict]] = None
        self._checkpoint_meta: Optional[dict] = None

    @classmethod
    def from_config(cls, cfg) -> 'CheckpointCheckHook':
        """The hook with the arguments of ``cfg.default_hooks.checkpoint_check``
        (defaults where the config has none)."""
        entry = (cfg.get('default_hooks') or {}).get(HOOK_NAME) or {}
        return cls(**{k: v for k, v in entry.items() if k not in ('type', 'priority')})

    def check_weights(self, model: nn.Module, checkpoint: dict,
                      source: str = 'the checkpoint') -> None:
        """Raise (or, with ``allow_partial``, warn) unless every weight of
        ``checkpoint`` fits ``model``; see the class docstring.

        Args:
            model (nn.Module): the (unwrapped) model it is loaded into.
            checkpoint (dict): as loaded; older checkpoints get their
                predicting sub-head into the state dict, in place.
            source (str): how to name the checkpoint in the message.
        """
        restore_subhead_from_meta(model, checkpoint)
        found = weight_mismatches(model, checkpoint.get('state_dict', checkpoint))
        count = sum(len(v) for v in found.values())
        if count == 0:
            return
        parts = [(f'{len(found["shape"])} of another shape', found['shape']),
                 (f'{len(found["missing"])} missing from the checkpoint', found['missing']),
                 (f'{len(found["unexpected"])} not in the model', found['unexpected'])]
        listing = '\n'.join(f'  {title}:\n' + '\n'.join(f'    {e}' for e in entries)
                            for title, entries in parts if entries)
        message = (f'{source} does not fit the model of this config: {count} state-dict '
                   f'entries do not match (the model has {len(model.state_dict())}); was it '
                   f'trained with another config?\n{listing}\n')
        if not self.allow_partial:
            raise ValueError(message + _PARTIAL_HINT)
        warnings.warn(message + 'Loading the matching entries only (allow_partial=True).')

    def inference_pipeline(self, cfg, checkpoint_meta: Optional[dict]) -> Optional[List[dict]]:
        """The pipeline :func:`mmiic.apis.init_model` predicts with.

        The checkpoint's recorded one (``preprocessing='checkpoint'``) or the
        config's; a warning names the differences between the two.

        Returns:
            list[dict] | None: transform configs, or None when neither the
            checkpoint nor the config has one.
        """
        checkpoint_meta = checkpoint_meta or {}
        derived = inference_pipeline_of(cfg, checkpoint_meta.get('dataset_meta'))
        recorded = checkpoint_meta.get(PIPELINE_KEY)
        if recorded is None:
            return derived
        differences = pipeline_differences(recorded, derived) if derived is not None else []
        if differences:
            used = ('the one of training, from the checkpoint; set default_hooks.'
                    f"{HOOK_NAME}.preprocessing='config' to use this config's on purpose"
                    if self.preprocessing == 'checkpoint' else
                    f"this config's, as default_hooks.{HOOK_NAME}.preprocessing='config' asks")
            warnings.warn(self._preprocessing_message(differences) + f'Predicting with {used}.')
        return recorded if self.preprocessing == 'checkpoint' or derived is None else derived

    @staticmethod
    def _preprocessing_message(differences: List[str]) -> str:
        lines = '\n'.join(f'  {d}' for d in differences)
        return ('the checkpoint was trained on images prepared otherwise than this config '
                f'prepares them (a setting read when the config is parsed, e.g. OBJECT_SIZE, '
                f'not repeated?):\n{lines}\n')

    def before_run(self, runner) -> None:
        register_checkpoint_loader()

    def before_train(self, runner) -> None:
        # A checkpoint loaded to start training (load_from) may come from another
        # data set: it says nothing about how this run's images are prepared.
        self._checkpoint_meta = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.setdefault('meta', {})
        if self._recorded is None:  # the config and the data set do not change during a run
            self._recorded = _plain(inference_pipeline_of(runner.cfg, meta.get('dataset_meta')))
        if self._recorded is not None:
            meta[PIPELINE_KEY] = self._recorded

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self.check_weights(unwrap_model(runner.model), checkpoint, f'checkpoint {loaded_checkpoint_file(runner)}')
        self._checkpoint_meta = checkpoint.get('meta') or {}

    def before_test(self, runner) -> None:
        meta = self._checkpoint_meta or {}
        recorded = meta.get(PIPELINE_KEY)
        derived = inference_pipeline_of(runner.cfg, meta.get('dataset_meta'))
        differences = pipeline_differences(recorded, derived) if (
            recorded is not None and derived is not None) else []
        if not differences:
            self._use_training_statistics(runner, meta.get('dataset_meta'))
            return
        message = self._preprocessing_message(differences)
        if self.preprocessing == 'config':
            warnings.warn(message + f"Testing with this config's, as default_hooks.{HOOK_NAME}."
                          "preprocessing='config' asks.")
            return
        raise ValueError(message + "Give the config the training's settings (e.g. the same "
                         f'OBJECT_SIZE), or set default_hooks.{HOOK_NAME}.preprocessing=\'config\' '
                         "to test with this config's preprocessing on purpose.")

    def _use_training_statistics(self, runner, dataset_meta: Optional[dict]) -> None:
        """Standardise the test images with the training's per-channel statistics.

        A folder data set with ``normalize='data'`` computes the statistics of
        its own images, which the loader prefers to its config's; the
        weights were trained on images standardised with the training set's,
        recorded in the checkpoint's ``dataset_meta`` (as
        :func:`mmiic.apis.init_model` uses them). ``preprocessing='config'``
        keeps the test set's own, with a warning.
        """
        if not dataset_meta or 'channel_stats' not in dataset_meta:
            return  # not recorded: no folder data set in training, or an older checkpoint
        training = dataset_meta['channel_stats']
        for dataset in folder_datasets_in(runner.test_dataloader.dataset):
            if _plain(dataset.channel_stats) == _plain(training):
                continue
            change = (f'the test images under {dataset.data_root} have the per-channel '
                      f'statistics {_plain(dataset.channel_stats)}, the training images had '
                      f'{_plain(training)} (checkpoint dataset_meta.channel_stats)')
            if self.preprocessing == 'config':
                warnings.warn(f"{change}; testing with the test images' own, as default_hooks."
                              f"{HOOK_NAME}.preprocessing='config' asks.")
                continue
            dataset.use_channel_stats(training)
            print_log(f'{change}: standardising them with the training\'s, as the weights '
                      'expect (and as tools/infer.py does).', logger='current')


def loaded_checkpoint_file(runner) -> Optional[str]:
    """The file a runner loads its checkpoint from: ``load_from``, or, resuming
    without it (``tools/train.py --resume``), the work dir's latest checkpoint,
    found as mmengine's ``Runner.load_or_resume`` finds it."""
    load_from = runner.cfg.get('load_from')
    if load_from is None and runner.cfg.get('resume'):
        return find_latest_checkpoint(runner.work_dir)
    return load_from


def ensure_checkpoint_check(cfg) -> None:
    """Register :class:`CheckpointCheckHook` in ``cfg.default_hooks`` unless the
    config sets it (configs written before it existed, e.g. one a training run
    dumped into its work dir, would load checkpoints unchecked)."""
    hooks = cfg.get('default_hooks') or {}
    if HOOK_NAME not in hooks:
        hooks[HOOK_NAME] = dict(type='mmiic.CheckpointCheckHook')
        cfg.default_hooks = hooks
