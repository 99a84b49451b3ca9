"""Time the dense IIC loss against the paper's conv2d formulation.

For each k and input size, times forward + backward of

* ``conv2d``: joints of all (2d+1)^2 shifts by ``F.conv2d`` with the batch as
  channels (the paper's implementation; cost k^2 (2d+1)^2 N H W), then scored
  collapsed (one summed joint) or per displacement;
* mmiic's collapsed path (box filter + one matmul) and per-displacement path
  (FFT cross-correlation),

checks that each fast value equals its conv2d value, and prints speed-ups and
the peak extra resident memory of each variant (Linux VmHWM, measured in a
fresh child process per variant).

Example::

    python tools/analysis_tools/benchmark_loss.py --ks 3 15 45 --sizes 128 200
"""
import argparse
import multiprocessing as mp
import time
from typing import Callable, Dict, Tuple

import torch

from mmiic.models.losses import conv2d_joints, dense_iic_loss, mutual_information_loss


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Benchmark the dense IIC loss')
    parser.add_argument('--ks', type=int, nargs='+', default=[3, 15, 45])
    parser.add_argument('--sizes', type=int, nargs='+', default=[128, 200])
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--displacement', type=int, default=10)
    parser.add_argument('--repeats', type=int, default=3, help='timed runs; the best is kept')
    parser.add_argument('--threads', type=int, default=torch.get_num_threads())
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu',
                        help='defaults to CUDA when available')
    return parser.parse_args()


def _variants(d: int) -> Dict[str, Callable]:
    def conv_collapsed(a, b):
        return mutual_information_loss(conv2d_joints(a, b, d).sum((0, 1)))

    def conv_per_shift(a, b):
        return mutual_information_loss(conv2d_joints(a, b, d).flatten(0, 1)).mean()

    return {
        'conv2d collapsed': conv_collapsed,
        'conv2d per-shift': conv_per_shift,
        'mmiic collapsed': lambda a, b: dense_iic_loss(a, b, d, per_displacement=False),
        'mmiic per-shift': lambda a, b: dense_iic_loss(a, b, d, per_displacement=True),
    }


def _status_kib(field: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def _run_variant(args, name, k, size, queue) -> None:
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    shape = (args.batch, k, size, size)
    a = torch.randn(shape, device=args.device).softmax(1).requires_grad_()
    b = torch.randn(shape, device=args.device).softmax(1).requires_grad_()
    fn = _variants(args.displacement)[name]
    fn(a, b).backward()  # warm-up
    best = float('inf')
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')  # reset the peak-RSS mark
    except OSError:
        pass
    if args.device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
    base = _status_kib('VmRSS:')
    for _ in range(args.repeats):
        a.grad = b.grad = None
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()
        start = time.perf_counter()
        loss = fn(a, b)
        loss.backward()
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    if args.device.startswith('cuda'):
        peak_mib = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak_mib = max(_status_kib('VmHWM:') - base, 0) / 1024
    queue.put((best, loss.detach().item(), peak_mib))


def measure(args, name: str, k: int, size: int) -> Tuple[float, float, float]:
    ctx = mp.get_context('spawn' if args.device.startswith('cuda') else 'fork')
    queue = ctx.Queue()
    proc = ctx.Process(target=_run_variant, args=(args, name, k, size, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    args = parse_args()
    print(f'dense IIC loss, forward+backward, N={args.batch}, d={args.displacement}, '
          f'{args.threads} threads, {args.device}, best of {args.repeats}')
    header = ('| k | size | conv2d collapsed (s) | mmiic collapsed (s) | speed-up | '
              'conv2d per-shift (s) | mmiic per-shift (s) | speed-up | peak MiB conv/coll/per |')
    print(header)
    print('|' + '---|' * 9)
    for size in args.sizes:
        for k in args.ks:
            res = {name: measure(args, name, k, size) for name in _variants(args.displacement)}
            for fast, slow in (('mmiic collapsed', 'conv2d collapsed'),
                               ('mmiic per-shift', 'conv2d per-shift')):
                if abs(res[fast][1] - res[slow][1]) > 1e-4 * max(1.0, abs(res[slow][1])):
                    raise RuntimeError(f'{fast} = {res[fast][1]} differs from {slow} = '
                                       f'{res[slow][1]} (k={k}, size={size})')
            print(f'| {k} | {size}² | {res["conv2d collapsed"][0]:.3f} | '
                  f'{res["mmiic collapsed"][0]:.4f} | '
                  f'{res["conv2d collapsed"][0] / res["mmiic collapsed"][0]:.0f}× | '
                  f'{res["conv2d per-shift"][0]:.3f} | {res["mmiic per-shift"][0]:.3f} | '
                  f'{res["conv2d per-shift"][0] / res["mmiic per-shift"][0]:.1f}× | '
                  f'{res["conv2d per-shift"][2]:.0f}/{res["mmiic collapsed"][2]:.0f}/'
                  f'{res["mmiic per-shift"][2]:.0f} |', flush=True)
    print('values checked equal (relative 1e-4) for every row')


if __name__ == '__main__':
    main()
