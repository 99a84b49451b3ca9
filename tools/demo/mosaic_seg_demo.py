"""`make demo-seg`: unsupervised texture segmentation on real scikit-image textures.

Trains configs/iic/iic_minivgg_mosaic_demo.py (dense IIC, no labels) on
mosaics cut from the top 60% of scikit-image's brick, grass and gravel
textures, evaluates Hungarian-matched pixel accuracy on held-out mosaics cut
from the bottom 40%, and writes to work_dirs/demo_seg/:

* metrics.json (acc, miou, nmi, ari, training seconds),
* overlays.png (input | prediction | truth, clusters mapped to classes),
* cluster_mass.png (main-head cluster mass during training; the config's
  visualization hooks also leave cluster_joint_*, cluster_overlay_* and the
  cluster_mass/* scalars under work_dirs/demo_seg/<time>/vis_data/).
"""
import argparse
import glob
import json
import os
import os.path as osp
import shutil
import sys
import time

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.runner import Runner

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import mmiic  # noqa: E402,F401
from demo_config import add_override_args, apply_overrides  # noqa: E402
from mmiic.evaluation.functional import confusion_matrix, hungarian_mapping  # noqa: E402
from mmiic.utils import device_summary  # noqa: E402

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
COLOURS = np.array([[200, 60, 60], [60, 170, 60], [60, 60, 200]], np.uint8)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default=osp.join(ROOT, 'configs/iic/iic_minivgg_mosaic_demo.py'))
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs/demo_seg'))
    add_override_args(parser)
    return parser.parse_args()


def overlays(runner: Runner, path: str, count: int = 6) -> None:
    """Rows of input | prediction | truth for the first test mosaics."""
    dataset = runner.test_dataloader.dataset
    model = runner.model.eval()
    batch = default_collate([dataset[i] for i in range(count)])
    with torch.no_grad():
        out = model(**model.data_preprocessor(batch, False), mode='predict')
    # Predictions live on the model's device (CUDA on a GPU machine).
    preds = np.stack([o.pred_sem_seg.data[0].cpu().numpy() for o in out])
    truths = np.stack([o.gt_sem_seg.data[0].cpu().numpy() for o in out])
    mapping = hungarian_mapping(confusion_matrix(preds, truths, 3, 3))
    rows = []
    for img, pred, truth in zip(batch['inputs'], preds, truths):
        image = img.permute(1, 2, 0).cpu().numpy()
        rows.append(np.concatenate([image, COLOURS[mapping[pred]], COLOURS[truth]], axis=1))
    grid = np.concatenate(rows, axis=0)
    cv2.imwrite(path, grid[..., ::-1])


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    apply_overrides(cfg, args)
    torch.set_num_threads(os.cpu_count() or 1)
    runner = Runner.from_cfg(cfg)
    print(f'[demo-seg] device: {device_summary()}', flush=True)
    start = time.time()
    runner.train()
    train_seconds = time.time() - start
    metrics = runner.test()
    os.makedirs(args.work_dir, exist_ok=True)
    overlays(runner, osp.join(args.work_dir, 'overlays.png'))
    # The config's ClusterMassHook plots through the visualizer (vis_data/vis_image);
    # keep a copy of the final plot next to the other demo outputs.
    plots = sorted(glob.glob(osp.join(runner.log_dir, 'vis_data', 'vis_image', 'cluster_mass_*.png')),
                   key=osp.getmtime)
    if plots:
        shutil.copy(plots[-1], osp.join(args.work_dir, 'cluster_mass.png'))
    result = dict(acc=metrics['seg/acc'] / 100, miou=metrics['seg/miou'] / 100,
                  nmi=metrics['seg/nmi'] / 100, ari=metrics['seg/ari'] / 100,
                  train_seconds=round(train_seconds, 1),
                  seed=cfg.randomness.get('seed'),
                  test_mosaics=len(runner.test_dataloader.dataset), all_metrics=metrics)
    with open(osp.join(args.work_dir, 'metrics.json'), 'w') as f:
        json.dump(result, f, indent=2)
    print(f'[demo-seg] trained {train_seconds:.0f} s; metrics.json, overlays.png and '
          f'cluster_mass.png in {args.work_dir}')
    print(f"mosaics: acc={result['acc']:.4f} nmi={result['nmi']:.4f} ari={result['ari']:.4f}")


if __name__ == '__main__':
    main()
