"""Choose the settings of an IIC config without labels.

Trains every point of a grid of settings once per seed for a short schedule,
on all images but a deterministic held-out subset, predicts the held-out
images with the main head and ranks the settings by label-free signals (see
:mod:`mmiic.analysis.selection_signals`):

1. lowest mean held-out IIC loss (``-I(z; z')`` with lamb = 1 of the chosen
   sub-head on the held-out images and their paired views), compared to
   ``--loss-resolution`` nats;
2. then the higher seed stability (NMI between the seeds' assignments);
3. then the higher cluster mass balance.

Every setting is scored on the same held-out images with the same pairs,
those of the *base* config (before the grid), whatever the grid changes in the
training views, so that a setting with weaker training views cannot score
itself on easier pairs. Image clustering (``mmiic.IICClassifier``) takes the
paired views of the val (else test, else training) pipeline, seeded.
Segmentation (``mmiic.IICSegmentor``) takes the view pairs of the training
pipeline (``IICDenseViews``) drawn from seeded generators, scores them with
the segmentor's own dense loss (lamb = 1, averaged over the held-out batches)
and treats the output pixels of the held-out images (at the input size,
where the loss upsamples the head's output, else at the head's
resolution; at most ``--max-pixels``) as the samples of the other signals.
Where the data set has labels, Hungarian ACC / NMI / ARI of the held-out
images (or pixels) are reported beside, in columns marked as not used: they
are read only after the ranking is fixed.

Grid syntax (one ``--grid`` argument per axis; the settings are all
combinations):

- ``KEY=V1,V2``: a dotted config key as in ``--cfg-options`` (list items by
  index, e.g. ``train_dataloader.dataset.pipeline.0.num_repeats=2,4``);
  values are parsed like ``--cfg-options`` values, tuples in parentheses
  (``scale_range=(0.9,1.1),(0.7,1.3)``);
- ``KEY1+KEY2=V1,V2``: several keys that take the same value together (e.g.
  both sides' view pipelines);
- ``GROUP=NAME1,NAME2``: named presets, each a dict of dotted keys to values,
  from ``sweep_presets = dict(GROUP=dict(NAME1={...}, ...))`` in ``--presets
  FILE`` or in the config itself.

Every key must already exist in the config (set a base value with
``--cfg-options`` first), and every setting's model and training pipeline are
built before any training starts, so a typo fails at once. A key naming a
variable of the config file (``num_clusters=3,5``) re-derives what the file
computes from it, as ``--cfg-options`` does (:func:`mmiic.utils.load_config`).

Writes to ``--work-dir``: ``runs/<setting>_seed<s>/`` (each run's logs and
``heldout_predictions.npz``; a rerun with the same arguments reuses the
predictions of finished runs), ``train_indices.npy`` and
``held_out_indices.npy`` (the images of each side), ``sweep_results.md``,
``sweep_results.json`` and ``sweep_signals.png``. Usage::

    python tools/analysis_tools/sweep_settings.py configs/iic/iic_minivgg_mnist_demo.py \\
        --grid model.head.loss.lamb=1.0,2.0 --seeds 0 1 --iters 300 \\
        --work-dir work_dirs/sweep_mnist
"""
import argparse
import copy
import gc
import hashlib
import itertools
import json
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config, ConfigDict, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmiic  # noqa: F401  registers modules
from mmiic.analysis import (dense_heldout_losses, dense_probs, dense_scoring, held_out_labels,
                            held_out_pixel_labels, predict_view_probs, rank_settings, run_signals,
                            setting_signals, signals_from_losses)
from mmiic.datasets import split_held_out
from mmiic.evaluation.functional import cluster_metrics
from mmiic.registry import DATASETS, MODELS
from mmiic.utils import load_config, merge_cfg_options

MODEL_KINDS = dict(IICClassifier='cls', IICSegmentor='seg')
RANK_RULE = ('lowest mean held-out IIC loss (lamb = 1, chosen sub-head) in bins of '
             '{res} nats, then highest seed stability, then highest hard mass balance; '
             'labels are never read for the ranking')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Rank settings of an IIC config without labels')
    parser.add_argument('config', help='IIC config (mmiic.IICClassifier or mmiic.IICSegmentor)')
    parser.add_argument('--grid', nargs='+', required=True, metavar='KEY=V1,V2',
                        help='one axis per item: KEY=V1,V2, KEY1+KEY2=V1,V2 or GROUP=PRESET1,...')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1],
                        help='seeds of each setting (default: 0 1)')
    length = parser.add_mutually_exclusive_group()
    length.add_argument('--iters', type=int, help='training iterations (iteration-based configs)')
    length.add_argument('--epochs', type=int, help='training epochs (epoch-based configs)')
    parser.add_argument('--work-dir', required=True, help='folder of the runs and the report')
    parser.add_argument('--held-out',
                        help='images held out of training: a count (e.g. 500) or a fraction in '
                        '(0, 1) (default: 10 %% of the images, at most 2000)')
    parser.add_argument('--held-out-seed', type=int, default=0,
                        help='seed of the held-out subset (default 0)')
    parser.add_argument('--presets', help='file with sweep_presets = dict(GROUP=dict(NAME={...}))')
    parser.add_argument('--max-pixels', type=int, default=200_000,
                        help='segmentation: held-out output pixels scored, evenly spaced in each '
                        'image (default 200000 in all)')
    parser.add_argument('--loss-resolution', type=float, default=0.01,
                        help='held-out losses in one bin of this width (nats) tie '
                        '(default 0.01)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides applied to every setting, as in tools/train.py')
    args = parser.parse_args(argv)
    if len(set(args.seeds)) != len(args.seeds):
        parser.error(f'--seeds must differ, got {args.seeds}')
    for name in ('iters', 'epochs'):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f'--{name} must be >= 1, got {getattr(args, name)}')
    return args


# ---------------------------------------------------------------- the grid
def split_values(text: str) -> List[str]:
    """Split at the commas outside brackets and quotes: '(1,2),3' -> ['(1,2)', '3']."""
    parts, depth, quote, start = [], 0, None, 0
    for i, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
        elif char in '\'"':
            quote = char
        elif char in '([{':
            depth += 1
        elif char in ')]}':
            depth -= 1
        elif char == ',' and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _lookup(cfg: Any, key: str) -> Any:
    """The value at a dotted key (list items by index); KeyError naming the missing part."""
    node = cfg.to_dict() if isinstance(cfg, Config) else cfg
    for depth, part in enumerate(key.split('.')):
        where = '.'.join(key.split('.')[:depth]) or 'the config'
        if isinstance(node, (list, tuple)):
            if not part.isdigit() or int(part) >= len(node):
                raise KeyError(f'--grid key {key!r}: {where} is a list of {len(node)} items, '
                               f'{part!r} is not an index of it')
            node = node[int(part)]
        elif isinstance(node, dict):
            if part not in node:
                raise KeyError(f'--grid key {key!r}: {where} has no {part!r} (it has '
                               f'{sorted(map(str, node.keys()))}); grid keys must exist in the '
                               'config: set a base value with --cfg-options first')
            node = node[part]
        else:
            raise KeyError(f'--grid key {key!r}: {where} is a {type(node).__name__}, not a dict '
                           'or list')
    return node


Setting = Tuple[Dict[str, str], Dict[str, Any]]  # ({axis: value as typed}, {dotted key: value})


def parse_grid(items: Sequence[str], cfg: Config, presets: Dict[str, dict]) -> List[List[Setting]]:
    """``--grid`` items -> per axis, its values as ({axis: text}, {dotted key: value}).

    Raises:
        ValueError / KeyError: naming the bad item, key or value.
    """
    axes, seen = [], set()
    for item in items:
        if '=' not in item:
            raise ValueError(f'--grid item {item!r} must be KEY=V1,V2,...')
        name, text = item.split('=', 1)
        name = name.strip()
        values = split_values(text)
        if not text.strip() or any(v == '' for v in values):
            raise ValueError(f'--grid item {item!r}: empty value in {text!r}')
        if len(set(values)) != len(values):
            raise ValueError(f'--grid item {item!r}: repeated value in {values}')
        if name in presets:
            unknown = [v for v in values if v not in presets[name]]
            if unknown:
                raise ValueError(f'--grid item {item!r}: preset group {name!r} has no '
                                 f'{unknown}; it has {sorted(presets[name])}')
            axis = [dict(presets[name][v]) for v in values]
            keys = sorted({k for point in axis for k in point})
        else:
            keys = name.split('+')
            # Values parse exactly as --cfg-options values do.
            axis = [{k: DictAction._parse_iterable(v) for k in keys} for v in values]
        for key in keys:
            if key in seen:
                raise ValueError(f'--grid key {key!r} appears in more than one axis')
            seen.add(key)
            _lookup(cfg, key)
        axes.append([({name: v}, point) for v, point in zip(values, axis)])
    return axes


def grid_settings(axes: List[List[Setting]]) -> List[Setting]:
    """All combinations of the axes' values, merged into one setting each."""
    settings = []
    for combo in itertools.product(*axes):
        label, overrides = {}, {}
        for point_label, point in combo:
            label.update(point_label)
            overrides.update(point)
        settings.append((label, overrides))
    return settings


def load_presets(cfg: Config, path: Optional[str]) -> Dict[str, dict]:
    """``sweep_presets`` of the config, updated by those of ``path``."""
    presets = dict(cfg.get('sweep_presets', {}) or {})
    if path:
        presets.update(Config.fromfile(path).get('sweep_presets', {}) or {})
    for group, named in presets.items():
        if not isinstance(named, dict) or not all(isinstance(v, dict) for v in named.values()):
            raise ValueError(f'sweep_presets[{group!r}] must map preset names to dicts of dotted '
                             'config keys')
    return presets


# --------------------------------------------------------- configs and data
def _train_dataset_cfg(cfg: Config) -> ConfigDict:
    dataset = cfg.train_dataloader.dataset
    if 'datasets' in dataset or 'dataset' in dataset:
        raise ValueError(f'train_dataloader.dataset is a wrapper ({dataset.get("type")}); '
                         'sweep_settings holds images out of one plain data set')
    return dataset


def _eval_pipeline(cfg: Config) -> list:
    """Clustering: the base config's val (else test, else training) pipeline with
    paired views, seeded so that every run sees the same pairs."""
    candidates = [(name, cfg.get(name)) for name in ('val_dataloader', 'test_dataloader')]
    candidates.append(('train_dataloader', cfg.train_dataloader))
    for name, loader in candidates:
        if loader and loader.get('dataset', {}).get('pipeline'):
            pipeline = copy.deepcopy(loader.dataset.pipeline)
            paired = [t for t in pipeline if 'IICPairedViews' in str(t.get('type', ''))]
            if not paired:
                raise ValueError(f'{name}.dataset.pipeline has no mmiic.IICPairedViews: the '
                                 'held-out IIC loss needs paired views of the held-out images')
            for transform in paired:
                if transform.get('seed') is None:
                    transform['seed'] = 0
                if name == 'train_dataloader':
                    transform['num_repeats'] = 1
            return pipeline
    raise ValueError('the config has no pipeline to view the held-out images with')


def _pair_pipeline(cfg: Config) -> list:
    """Segmentation: the base config's training pipeline makes the held-out pairs."""
    pipeline = copy.deepcopy(_train_dataset_cfg(cfg).pipeline)
    if not any('IICDenseViews' in str(t.get('type', '')) for t in pipeline):
        raise ValueError('train_dataloader.dataset.pipeline has no mmiic.IICDenseViews: the '
                         'held-out dense IIC loss needs its view pairs (configs that make the '
                         'views on the device are not supported)')
    return pipeline


def held_out_split(num_images: int, held_out: Optional[str],
                   seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Deterministic (train, held-out) index arrays, both sorted.

    ``held_out`` None holds out 10 % of the images, at most 2000 (enough to
    estimate a joint of k x k clusters; predicting more only costs time).
    """
    if held_out is None:
        held_out = str(max(2, min(round(0.1 * num_images), 2000)))
    try:
        value = float(held_out)
    except ValueError:
        raise ValueError(f'--held-out must be a count or a fraction, got {held_out!r}')
    count = int(round(value * num_images)) if 0 < value < 1 else int(value)
    if value != count and not 0 < value < 1:
        raise ValueError(f'--held-out must be a whole count or a fraction in (0, 1), got '
                         f'{held_out}')
    if not 2 <= count < num_images:
        raise ValueError(f'--held-out {held_out} gives {count} of {num_images} images: keep at '
                         'least 2 held out and at least 1 to train on')
    return split_held_out(num_images, count, seed)


def run_config(base: Config, overrides: Dict[str, Any], seed: int, args: argparse.Namespace,
               eval_loader: dict, work_dir: str, name: str) -> Config:
    """The config of one run: the setting, the seed, the length (the image
    subsets go in later, see :func:`train_and_predict`).

    Where the config has a test loop, its loader becomes the held-out loader:
    hooks that draw fixed images (cluster grids, masses) take them from it,
    so they show images the run does not train on, and the base config's
    test set is never loaded.
    """
    cfg = merge_cfg_options(base, overrides)
    cfg.work_dir = work_dir
    cfg.experiment_name = name
    cfg.randomness = dict(cfg.get('randomness') or {}, seed=seed)
    cfg.resume, cfg.load_from = False, None
    if args.iters is not None:
        cfg.train_cfg.max_iters = args.iters
    if args.epochs is not None:
        cfg.train_cfg.max_epochs = args.epochs
    # No validation during the sweep (it would read labels) and no checkpoints: the
    # held-out predictions are the result.
    cfg.train_cfg.pop('val_interval', None)
    cfg.train_cfg.pop('val_begin', None)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    if cfg.get('test_cfg') is not None and cfg.get('test_evaluator') is not None:
        cfg.test_dataloader = copy.deepcopy(eval_loader)
    cfg.setdefault('default_hooks', ConfigDict())['checkpoint'] = None
    return cfg


def check_schedule(cfg: Config, args: argparse.Namespace) -> None:
    """``--iters`` only for iteration-based, ``--epochs`` for epoch-based configs."""
    by_iter = (cfg.train_cfg.get('type') == 'IterBasedTrainLoop'
               or 'max_iters' in cfg.train_cfg)
    if args.iters is not None and not by_iter:
        raise ValueError(f'--iters needs an iteration-based train_cfg; {args.config} trains by '
                         'epoch: use --epochs')
    if args.epochs is not None and by_iter:
        raise ValueError(f'--epochs needs an epoch-based train_cfg; {args.config} trains by '
                         'iteration: use --iters')


def validate_settings(base: Config, settings: List[Setting]) -> Tuple[int, str]:
    """Build every setting's model and training pipeline.

    Returns:
        tuple: the main head's k and the model kind, 'cls' (IICClassifier) or
        'seg' (IICSegmentor).
    """
    ks, kinds = {}, set()
    for label, overrides in settings:
        cfg = merge_cfg_options(base, overrides)
        what = ' '.join(f'{k}={v}' for k, v in label.items())
        try:
            model = MODELS.build(cfg.model)
            DATASETS.build(dict(_train_dataset_cfg(cfg), lazy_init=True))
        except Exception as error:
            raise ValueError(f'--grid setting {what}: the config does not build: '
                             f'{type(error).__name__}: {error}') from error
        kind = MODEL_KINDS.get(type(model).__name__)
        if kind is None:
            raise ValueError(f'sweep_settings supports mmiic.IICClassifier and mmiic.IICSegmentor '
                             f'models; {type(model).__name__} is not supported')
        kinds.add(kind)
        ks[what] = model.cluster_heads.num_clusters['main']
    if len(set(ks.values())) > 1:
        raise ValueError(f'the settings differ in the main head\'s number of clusters ({ks}): '
                         'held-out losses (at most ln k) are not comparable across k')
    if len(kinds) > 1:
        raise ValueError('the settings mix image clustering and segmentation models')
    return next(iter(ks.values())), kinds.pop()


# ------------------------------------------------------------ one run
def config_digest(cfg: Config) -> str:
    """SHA-1 of the config's contents (after ``--cfg-options``): a finished run is reused only
    if the config it trained with is unchanged, not merely its path."""
    text = json.dumps(cfg.to_dict(), sort_keys=True, default=repr)
    return hashlib.sha1(text.encode()).hexdigest()


def run_meta(label: dict, overrides: dict, seed: int, args: argparse.Namespace,
             held_idx: np.ndarray, config_sha1: str = '') -> dict:
    return dict(config=osp.abspath(args.config), config_sha1=config_sha1, setting=label,
                overrides=repr(overrides),
                seed=seed, iters=args.iters, epochs=args.epochs, max_pixels=args.max_pixels,
                cfg_options=repr(args.cfg_options),
                held_out_sha1=hashlib.sha1(held_idx.astype(np.int64).tobytes()).hexdigest())


def with_indices(loader: dict, indices: str) -> dict:
    """A copy of a dataloader config over the samples of its data set listed in
    the .npy file ``indices`` (``mmiic.SubsetDataset``: a file rather than the
    list, which would cost seconds and megabytes of log per run for 60k
    images)."""
    loader = copy.deepcopy(loader)
    loader['dataset'] = dict(type='mmiic.SubsetDataset', dataset=loader['dataset'],
                             indices=indices)
    return loader


def save_indices(work_dir: str, **indices: np.ndarray) -> Dict[str, str]:
    """Write each [n] index array to ``<work_dir>/<name>_indices.npy``; return the paths."""
    paths = {}
    for name, values in indices.items():
        paths[name] = osp.join(work_dir, f'{name}_indices.npy')
        np.save(paths[name], np.asarray(values, dtype=np.int64))
    return paths


def pixels_per_image(max_pixels: int, num_images: int) -> int:
    return max(1, max_pixels // num_images)


def train_and_predict(cfg: Config, loaders: Dict[str, dict], indices: Dict[str, str],
                      num_held_out: int, kind: str, max_pixels: int,
                      scoring: Optional[Dict[str, Any]]) -> Dict[str, np.ndarray]:
    """Train one run on the training images and predict the held-out images.

    Args:
        indices (dict): .npy files of the 'train' and 'held_out' image
            indices (:func:`save_indices`).

    Returns:
        dict: 'cls': ``view_probs`` [n, h, 1 + r, k]; 'seg': ``losses`` [h],
        ``probs`` [P, h, k] and ``shapes`` [m, 2] (see :func:`dense_probs`).
    """
    cfg.train_dataloader = with_indices(cfg.train_dataloader, indices['train'])
    if cfg.get('test_dataloader') is not None:
        cfg.test_dataloader = with_indices(cfg.test_dataloader, indices['held_out'])
    runner = Runner.from_cfg(cfg)
    runner.train()
    print(f'[sweep]   trained on {len(runner.train_dataloader.dataset)} images', flush=True)
    built = {name: Runner.build_dataloader(with_indices(loaders[name], indices['held_out']),
                                           seed=0)
             for name in ('eval', 'pairs') if name in loaders}
    if kind == 'cls':
        out = dict(view_probs=predict_view_probs(runner.model, built['eval']))
    else:
        probs, shapes = dense_probs(runner.model, built['eval'],
                                    pixels_per_image(max_pixels, num_held_out))
        out = dict(losses=dense_heldout_losses(runner.model, built['pairs'], scoring),
                   probs=probs, shapes=shapes)
    # The Runner and its hooks reference each other: collect them (and the loaders'
    # persistent worker processes) now rather than after several more runs.
    del runner, built
    gc.collect()
    return out


# ------------------------------------------------------------ the report
def label_columns(clusters: List[np.ndarray], labels: np.ndarray, k: int) -> Dict[str, float]:
    """Hungarian ACC / NMI / ARI (%, mean over seeds) on the labelled held-out images."""
    keep = labels >= 0
    per_run = [cluster_metrics(c[keep], labels[keep], num_clusters=k) for c in clusters]
    out = {m: float(np.mean([r[m] for r in per_run])) * 100 for m in ('acc', 'nmi', 'ari')}
    out['acc_std'] = float(np.std([r['acc'] for r in per_run])) * 100
    out['num_labelled'] = int(keep.sum())
    return out


def _short(name: str, width: int = 36) -> str:
    """Table label of a grid axis: its tail if long (the legend has the full keys)."""
    return name if len(name) <= width else '...' + name[-(width - 3):]


def _fmt(value: Optional[float], digits: int = 3) -> str:
    return '-' if value is None or (isinstance(value, float) and np.isnan(value)) else \
        f'{value:.{digits}f}'


def write_markdown(path: str, rows: List[dict], rule: str, samples: str) -> None:
    head = ('| rank | setting | held-out loss (mean ± std over seeds) | mean over sub-heads | '
            'mass balance (hard / soft) | empty clusters | sub-head agreement | seed stability '
            '| ACC % * | NMI % * | ARI % * |')
    lines = [
        '# Settings ranked without labels', '',
        f'Ranking rule: {rule}. Signals on {samples}; lower loss is better '
        '(-ln k is perfect), the other signals are better near 1.', '', head,
        '|' + '---|' * (head.count('|') - 1)
    ]
    for row in rows:
        s, lab = row['signals'], row['labels_not_used_for_ranking'] or {}
        short = ' '.join(f'{_short(k)}={v}' for k, v in row['setting'].items())
        lines.append(
            f"| {row['rank']} | {row['setting_id']}: {short} | "
            f"{_fmt(s['heldout_loss'], 4)} ± {_fmt(s['heldout_loss_std'], 4)} | "
            f"{_fmt(s['heldout_loss_subhead_mean'], 4)} | {_fmt(s['balance_hard'])} / "
            f"{_fmt(s['balance_soft'])} | {s['empty_clusters']} | {_fmt(s['subhead_agreement'])} "
            f"| {_fmt(s['seed_stability'])} | {_fmt(lab.get('acc'), 1)} | "
            f"{_fmt(lab.get('nmi'), 1)} | {_fmt(lab.get('ari'), 1)} |")
    lines += ['', '\\* Labels: reported beside the ranking, **not used for it** (read only after '
              'the ranking is fixed); Hungarian matching of the chosen sub-head on the held-out '
              'images, mean over seeds.', '', '## Settings', '']
    for row in sorted(rows, key=lambda r: int(r['setting_id'][1:])):
        lines.append(f"- {row['setting_id']}: " + ', '.join(
            f'`{k}={v}`' for k, v in row['overrides'].items()))
    lines.append('')
    with open(path, 'w') as f:
        f.write('\n'.join(lines))


def plot_signals(path: str, rows: List[dict]) -> None:
    """One bar chart per signal, settings in rank order."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    names = [f"#{r['rank']} {r['setting_id']}" for r in rows]
    panels = [('held-out IIC loss (lower is better)', 'heldout_loss', 'heldout_loss_std'),
              ('mass balance (hard)', 'balance_hard', None),
              ('sub-head agreement (NMI)', 'subhead_agreement', None),
              ('seed stability (NMI)', 'seed_stability', None)]
    fig = Figure(figsize=(3.2 * len(panels), 3.2), dpi=100)
    FigureCanvasAgg(fig)
    x = np.arange(len(rows))
    for i, (title, key, err) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        values = [np.nan_to_num(r['signals'][key], nan=0.0) for r in rows]
        errors = [r['signals'][err] for r in rows] if err else None
        ax.bar(x, values, yerr=errors, color='tab:blue' if i == 0 else 'tab:grey', capsize=3)
        ax.set_xticks(x, names, rotation=45, ha='right', fontsize=7)
        ax.set_title(title, fontsize=9)
        if key != 'heldout_loss':
            ax.set_ylim(0, 1.05)
    fig.suptitle('settings in rank order (ids as in sweep_results.md); labels not used',
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path)


def _no_nan(value: Any) -> Any:
    """NaN (a signal undefined for one sub-head or one seed) -> None: strict JSON."""
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_nan(v) for v in value]
    return value


def _setting_text(label: dict) -> str:
    return ' '.join(f'{k}={v}' for k, v in label.items())


def held_out_loaders(base: Config, kind: str) -> Dict[str, dict]:
    """Loader configs of the held-out images (their ``indices`` go in per use).

    'eval': the base config's val (else test) loader settings over the
    training data set; clustering views it through the paired-view pipeline
    (:func:`_eval_pipeline`), segmentation through the val (else test)
    pipeline without its annotation loaders (else the inference pipeline).
    Segmentation adds 'labels', the same with the annotation loaders, read
    only for the report, and 'pairs': the training pipeline's view pairs, in
    this process (``num_workers=0``) so that the seeded generators of
    :func:`dense_heldout_losses` draw them.
    """
    template = base.get('val_dataloader') or base.get('test_dataloader')
    loader = copy.deepcopy(template) if template else ConfigDict(batch_size=1, num_workers=0)
    if kind == 'cls':
        pipeline = _eval_pipeline(base)
    elif template and template.get('dataset', {}).get('pipeline'):
        pipeline = copy.deepcopy(template.dataset.pipeline)
    else:
        from mmiic.apis import build_inference_pipeline
        pipeline = build_inference_pipeline(base)
    loader.dataset = dict(_train_dataset_cfg(base), pipeline=pipeline, test_mode=True)
    loader.sampler = dict(type='DefaultSampler', shuffle=False)
    loader.pop('persistent_workers', None)
    loaders = dict(eval=loader)
    if kind == 'seg':
        loader.batch_size = 1  # images of any size; labels matched image by image
        loaders['labels'] = copy.deepcopy(loader)
        loaders['labels'].num_workers = 0
        loader.dataset['pipeline'] = [
            t for t in pipeline if not str(t.get('type', '')).endswith('LoadAnnotations')
            and not str(t.get('type', '')).endswith('LoadIICAnnotations')]
        loaders['pairs'] = dict(
            batch_size=base.train_dataloader.batch_size, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(_train_dataset_cfg(base), pipeline=_pair_pipeline(base)))
    return loaders


def run_signals_of(kind: str, pred: Dict[str, np.ndarray]) -> Tuple[Dict[str, float], np.ndarray]:
    """Label-free signals of one run's held-out predictions."""
    if kind == 'cls':
        return run_signals(pred['view_probs'])
    return signals_from_losses(pred['losses'], pred['probs'])


def main(argv: Optional[List[str]] = None) -> List[str]:
    """Run the sweep; return the setting ids best first."""
    args = parse_args(argv)
    base = load_config(args.config, args.cfg_options)
    init_default_scope(base.get('default_scope', 'mmpretrain'))
    settings = grid_settings(parse_grid(args.grid, base, load_presets(base, args.presets)))
    check_schedule(base, args)
    k, kind = validate_settings(base, settings)
    loaders = held_out_loaders(base, kind)
    # Every setting's pairs are scored as the base config's segmentor scores them.
    scoring = dense_scoring(MODELS.build(base.model)) if kind == 'seg' else None

    all_images = DATASETS.build(dict(_train_dataset_cfg(base), pipeline=[]))
    train_idx, held_idx = held_out_split(len(all_images), args.held_out, args.held_out_seed)
    del all_images
    os.makedirs(args.work_dir, exist_ok=True)
    indices = save_indices(args.work_dir, train=train_idx, held_out=held_idx)
    print(f'[sweep] {len(settings)} settings x {len(args.seeds)} seeds; {len(train_idx)} images '
          f'train, {len(held_idx)} held out (labels not read)', flush=True)

    summaries, run_records, clusters_per_setting, shapes = [], [], [], None
    total = len(settings) * len(args.seeds)
    base_sha1 = config_digest(base)
    for i, (label, overrides) in enumerate(settings):
        runs, clusters = [], []
        for j, seed in enumerate(args.seeds):
            name = f's{i}_seed{seed}'
            run_dir = osp.join(args.work_dir, 'runs', name)
            meta = run_meta(label, overrides, seed, args, held_idx, base_sha1)
            saved = osp.join(run_dir, 'heldout_predictions.npz')
            head = (f'[sweep] run {i * len(args.seeds) + j + 1}/{total}: s{i} '
                    f'({_setting_text(label)}) seed {seed}:')
            stored = dict(np.load(saved)) if osp.exists(saved) else {}
            if stored and json.loads(str(stored.pop('meta'))) == meta:
                print(f'{head} reusing {saved}', flush=True)
                pred = stored
            else:
                print(f'{head} training', flush=True)
                cfg = run_config(base, overrides, seed, args, loaders['eval'], run_dir, name)
                pred = train_and_predict(cfg, loaders, indices, len(held_idx), kind,
                                         args.max_pixels, scoring)
                np.savez_compressed(saved, meta=json.dumps(meta), **pred)
            if kind == 'seg':
                shapes = pred['shapes'] if shapes is None else shapes
                if not np.array_equal(shapes, pred['shapes']):
                    raise RuntimeError(f'{name}: its output sizes differ from the other runs\'')
            signals, ids = run_signals_of(kind, pred)
            print(f'[sweep]   held-out loss {signals["heldout_loss"]:.4f} (sub-head '
                  f'{signals["chosen_subhead"]}), mass balance {signals["balance_hard"]:.3f}, '
                  f'{signals["empty_clusters"]} empty, sub-head agreement '
                  f'{_fmt(signals["subhead_agreement"])}', flush=True)
            runs.append(dict(seed=seed, work_dir=run_dir, **signals))
            clusters.append(ids)
        summaries.append(setting_signals(runs, clusters))
        run_records.append(runs)
        clusters_per_setting.append(clusters)

    # The ranking is fixed here, from the label-free summaries alone.
    order = rank_settings(summaries, args.loss_resolution)

    if kind == 'cls':
        labels = held_out_labels(DATASETS.build(dict(
            type='mmiic.SubsetDataset', dataset=dict(loaders['eval'].dataset, pipeline=[]),
            indices=indices['held_out'])))
    else:
        try:
            labels = held_out_pixel_labels(with_indices(loaders['labels'], indices['held_out']),
                                           shapes, pixels_per_image(args.max_pixels, len(held_idx)))
        except (KeyError, FileNotFoundError, ValueError) as error:
            # E.g. a val pipeline that loads label maps the training folder does not have:
            # the ranking stands; only the label columns are left out.
            print(f'[sweep] no label columns: reading the held-out label maps failed: '
                  f'{type(error).__name__}: {error}', flush=True)
            labels = None
    rows = []
    for rank, i in enumerate(order, 1):
        label = settings[i][0]
        rows.append(dict(
            rank=rank, setting_id=f's{i}', setting=label, setting_text=_setting_text(label),
            overrides={k: repr(v) for k, v in settings[i][1].items()},
            signals=summaries[i], runs=run_records[i],
            labels_not_used_for_ranking=None if labels is None else label_columns(
                clusters_per_setting[i], labels, k)))
    rule = RANK_RULE.format(res=args.loss_resolution)
    with open(osp.join(args.work_dir, 'sweep_results.json'), 'w') as f:
        json.dump(dict(config=args.config, model=kind, grid=args.grid, seeds=args.seeds,
                       iters=args.iters, epochs=args.epochs, cfg_options=repr(args.cfg_options),
                       held_out=dict(count=len(held_idx), seed=args.held_out_seed,
                                     indices=held_idx.tolist()),
                       rank_rule=rule, loss_resolution=args.loss_resolution,
                       ranking=[r['setting_id'] for r in rows], settings=_no_nan(rows)), f,
                  indent=1, default=lambda o: o.item() if hasattr(o, 'item') else str(o))
    samples = f'{len(held_idx)} held-out images' + (
        f' ({len(clusters_per_setting[0][0])} of their output pixels)' if kind == 'seg' else '')
    write_markdown(osp.join(args.work_dir, 'sweep_results.md'), rows, rule, samples)
    plot_signals(osp.join(args.work_dir, 'sweep_signals.png'), rows)
    print(f'[sweep] ranking (best first): '
          f'{", ".join(r["setting_id"] + " " + r["setting_text"] for r in rows)}', flush=True)
    print(f'[sweep] wrote {osp.join(args.work_dir, "sweep_results.md")}, sweep_results.json, '
          'sweep_signals.png', flush=True)
    return [r['setting_id'] for r in rows]


if __name__ == '__main__':
    main()
