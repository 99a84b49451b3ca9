"""Time training through the real data loader, on the current device.

Runs ``--warmup`` + ``--iters`` iterations of a config with mmengine's Runner
(its data loader, workers, data preprocessor, model and optimiser) and
prints, for the timed iterations:

* pairs/s: view pairs trained per second (batch x paired views per image);
* the share of ``data_time`` (the step waiting for the data loader);
* the loss's share of the compute step (forward + backward of the IIC loss,
  re-timed on the last iteration's loss inputs);
* the per-sample CPU cost of the data pipeline (``dataset[i]`` in this
  process, one thread as in a worker) and, with ``batch_views``, of the view
  step in the data preprocessor (on the model's device);
* peak memory (CUDA allocator, or this process's resident set on the CPU).

``--fake-data`` writes a small random data set in the config's layout
(COCO-Stuff, Potsdam, CIFAR, MNIST IDX, STL-10; see
:mod:`mmiic.testing.fake_data`) to a temporary folder, so the benchmark runs
without downloads; a data set with ``prescaled=s`` gets that tree shrunk to
``s`` as ``tools/dataset_converters/shrink_seg_dataset.py`` would.

Example::

    python tools/analysis_tools/benchmark_train.py \\
        configs/iic/iic_vgg_cocostuff3.py --iters 20 --fake-data
"""
import argparse
import json
import os.path as osp
import resource
import tempfile
import time
from typing import Dict, List, Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mmiic  # noqa: F401
from mmiic.analysis import shrink_dataset_cfg
from mmiic.models.losses import IICLoss
from mmiic.models.wrappers import unwrap_model
from mmiic.testing import write_fake_data
from mmiic.utils import device_summary, load_config


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Benchmark IIC training throughput')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--iters', type=int, default=20, help='timed iterations')
    parser.add_argument('--warmup', type=int, default=3, help='untimed iterations first')
    parser.add_argument('--fake-data', action='store_true',
                        help='write a small random data set in the config layout and use it')
    parser.add_argument('--fake-images', type=int, default=64,
                        help='images per split written by --fake-data')
    parser.add_argument('--pipeline-samples', type=int, default=32,
                        help='samples timed through the data pipeline in this process')
    parser.add_argument('--work-dir', help='defaults to a temporary folder')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument('--out', help='also write the results to this JSON file')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, xxx=yyy format')
    return parser.parse_args()


def _dataset_cfgs(cfg: dict) -> List[dict]:
    """Leaf data set configs (through wrappers such as ConcatDataset)."""
    children = cfg.get('datasets') or ([cfg['dataset']] if 'dataset' in cfg else [])
    return [leaf for child in children for leaf in _dataset_cfgs(child)] if children else [cfg]


def use_fake_data(cfg: Config, folder: str, num_images: int) -> None:
    """Point every data loader of ``cfg`` at fake data written under ``folder``."""
    written: Dict[tuple, Optional[str]] = {}
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if not cfg.get(key):
            continue
        for dataset in _dataset_cfgs(cfg[key]['dataset']):
            source = (dataset['type'], dataset.get('data_root'))
            if source not in written:
                root = osp.join(folder, f'data{len(written)}')
                written[source] = write_fake_data(dataset['type'], root, num_images)
            if written[source] is not None:
                dataset['data_root'] = written[source]
                if dataset.get('prescaled'):
                    dataset['data_root'] = _prescaled_copy(dataset)


def _prescaled_copy(dataset: dict) -> str:
    """The fake tree at ``dataset['data_root']`` shrunk as a ``prescaled``
    config expects it (tools/dataset_converters/shrink_seg_dataset.py), once."""
    scale = float(dataset['prescaled'])
    copy = f'{dataset["data_root"]}_prescaled_{scale:.6f}'
    return copy if osp.isdir(copy) else shrink_dataset_cfg(dataset, copy, scale)


class _Timer(Hook):
    """Records data_time and iteration time, and what the step trained on."""

    priority = 'VERY_LOW'

    def __init__(self, warmup: int, cuda: bool) -> None:
        self.warmup, self.cuda = warmup, cuda
        self.data_times: List[float] = []
        self.iter_times: List[float] = []
        self._end = None

    def _now(self) -> float:
        if self.cuda:
            torch.cuda.synchronize()
        return time.perf_counter()

    def before_train(self, runner) -> None:
        self._end = self._now()

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        self._data_end = self._now()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        end = self._now()
        if runner.iter >= self.warmup:
            self.data_times.append(self._data_end - self._end)
            self.iter_times.append(end - self._end)
        if runner.iter + 1 == self.warmup and self.cuda:
            torch.cuda.reset_peak_memory_stats()
        self._end = end


def _loss_seconds(calls: List[tuple], repeats: int = 5) -> float:
    """Forward + backward of the recorded loss calls, best of ``repeats``."""
    best = float('inf')
    for _ in range(repeats):
        inputs = [(module, [a.detach().clone().requires_grad_(a.is_floating_point())
                            if torch.is_tensor(a) else a for a in args]) for module, args in calls]
        sync = torch.cuda.synchronize if calls and calls[0][1][0].is_cuda else (lambda: None)
        sync()
        start = time.perf_counter()
        # A loss scores all sub-heads at once ([S]); backward from their sum.
        total = sum(module(*args).sum() for module, args in inputs)
        total.backward()
        sync()
        best = min(best, time.perf_counter() - start)
    return best


def _pipeline_seconds(dataset, count: int) -> float:
    """Seconds per sample of ``dataset[i]`` (load + CPU transforms) in this
    process, with one torch thread as in a data loader worker."""
    count = min(count, len(dataset))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        dataset[0]  # lazy initialisation out of the timing
        start = time.perf_counter()
        for i in range(count):
            dataset[i % len(dataset)]
        return (time.perf_counter() - start) / max(count, 1)
    finally:
        torch.set_num_threads(threads)


def iteration_loop(train_cfg: dict, **loop_args) -> dict:
    """The config's train loop as an iteration-based one, its heads alternating as
    the config says (blocks of ``interval`` iterations, 1000 for an epoch schedule)."""
    if 'HeadAlternating' not in str(train_cfg.get('type', '')):
        return dict(type='IterBasedTrainLoop', **loop_args)
    schedule = {key: train_cfg[key] for key in ('head_order', 'interval') if key in train_cfg}
    per_head = train_cfg.get('intervals_per_head', train_cfg.get('epochs_per_head'))
    return dict(type='mmiic.HeadAlternatingIterBasedTrainLoop', intervals_per_head=per_head,
                **schedule, **loop_args)


def benchmark(cfg: Config, iters: int, warmup: int, pipeline_samples: int) -> dict:
    """Run the timed iterations; return the measurements (see the module doc)."""
    cfg.train_cfg = iteration_loop(cfg.train_cfg, max_iters=warmup + iters,
                                   val_interval=warmup + iters + 1)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10**9, save_last=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=10**9)
    cfg.log_processor = dict(by_epoch=False)
    cfg.param_scheduler = []
    runner = Runner.from_cfg(cfg)
    model = unwrap_model(runner.model)
    cuda = next(model.parameters()).is_cuda
    timer = _Timer(warmup, cuda)
    runner.register_hook(timer)
    state = dict(pairs=[], calls=[], views=[], loss_iter=-1)

    def count_pairs(module, args, output):
        if args[1] if len(args) > 1 else False:
            inputs = output['inputs']
            pairs = inputs.shape[0] * (inputs.shape[1] - 1) if inputs.dim() == 5 else 0
            state['pairs'].append(pairs)

    def record_loss(module, args, output):
        if not module.training and not torch.is_grad_enabled():
            return
        if state['loss_iter'] != runner.iter:  # keep the calls of the latest step only
            state['loss_iter'], state['calls'] = runner.iter, []
        state['calls'].append((module, [a.detach() if torch.is_tensor(a) else a for a in args]))

    model.data_preprocessor.register_forward_hook(count_pairs)
    for module in model.modules():
        if isinstance(module, IICLoss):
            module.register_forward_hook(record_loss)
    batch_views = getattr(model.data_preprocessor, 'batch_views', None)
    if batch_views is not None:
        def views_start(module, args):
            timer._now()
            state['views_start'] = time.perf_counter()

        def views_end(module, args, output):
            timer._now()
            state['views'].append((time.perf_counter() - state['views_start']) / args[0].shape[0])
        batch_views.register_forward_pre_hook(views_start)
        batch_views.register_forward_hook(views_end)

    runner.train()
    iter_times, data_times = timer.iter_times, timer.data_times
    pairs, views = state['pairs'][warmup:], state['views'][warmup:]
    seconds = sum(iter_times)
    compute = (seconds - sum(data_times)) / len(iter_times)
    loss_seconds = _loss_seconds(state['calls']) if state['calls'] else 0.0
    if cuda:
        peak_mib = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return dict(
        device=device_summary('cuda' if cuda else 'cpu'),
        iters=len(iter_times),
        batch_size=runner.train_dataloader.batch_size,
        num_workers=runner.train_dataloader.num_workers,
        pairs_per_s=sum(pairs) / seconds,
        iter_s=seconds / len(iter_times),
        data_time_share=sum(data_times) / seconds,
        loss_s=loss_seconds,
        loss_share=loss_seconds / compute if compute > 0 else float('nan'),
        pipeline_ms_per_sample=1e3 * _pipeline_seconds(runner.train_dataloader.dataset,
                                                       pipeline_samples),
        views_ms_per_sample=1e3 * sum(views) / len(views) if views else None,
        peak_mib=peak_mib,
        peak_memory='CUDA allocated' if cuda else 'CPU resident (main process)')


def report(result: dict) -> str:
    """The measurements as a short text table."""
    views = result['views_ms_per_sample']
    lines = [
        f"device: {result['device']}; batch {result['batch_size']}, "
        f"{result['num_workers']} workers, {result['iters']} timed iterations",
        f"pairs/s: {result['pairs_per_s']:.1f}",
        f"iteration: {result['iter_s'] * 1e3:.1f} ms, data_time share: "
        f"{100 * result['data_time_share']:.1f} %",
        f"loss forward+backward: {result['loss_s'] * 1e3:.1f} ms = "
        f"{100 * result['loss_share']:.1f} % of the compute step",
        f"data pipeline (CPU, one process): {result['pipeline_ms_per_sample']:.3f} ms/sample",
        'device view step: ' + (f'{views:.3f} ms/sample' if views is not None else
                                'none (views on the CPU)'),
        f"peak memory: {result['peak_mib']:.0f} MiB ({result['peak_memory']})",
    ]
    return '\n'.join(lines)


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    with tempfile.TemporaryDirectory() as tmp:
        cfg.work_dir = args.work_dir or osp.join(tmp, 'work_dir')
        if args.fake_data:
            use_fake_data(cfg, tmp, args.fake_images)
        result = benchmark(cfg, args.iters, args.warmup, args.pipeline_samples)
    result['config'] = args.config
    print(report(result), flush=True)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
