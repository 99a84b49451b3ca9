"""Show what IIC trains on: each sample's views and how they line up.

mmseg's browse_dataset cannot draw IIC's stacked view inputs. This one draws,
per sample of the chosen split (its pipeline run as in training):

- image clustering (``IICPairedViews``): the first view and its r paired
  views side by side (the pairs whose cluster assignments IIC makes agree);
- segmentation (``IICDenseViews``): the first view, the second view, the
  second view warped back into the first view's frame (exactly what the
  segmentor does to the second view's output, :func:`align_to_first_view`),
  the valid mask of the loss (first-view mask and second view inside the
  image and valid), and the labels when the pipeline loads them.

Usage::

    python tools/analysis_tools/browse_dataset.py CONFIG --output-dir DIR [--not-show]
        [--phase train|val|test] [--show-number N] [--cfg-options ...]
"""
import argparse
import os
import os.path as osp
from typing import List, Optional

import cv2
import numpy as np
import torch
from mmengine.config import DictAction
from mmengine.registry import DATASETS, init_default_scope
from mmengine.visualization import Visualizer

import mmiic  # noqa: F401
from mmiic.models.utils import align_to_first_view
from mmiic.utils import load_config
from mmiic.visualization import (channel_order_of, cluster_palette, hstack_panels, label_panel,
                                 paint_clusters, to_display_rgb, upscale)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Browse the IIC views of a data set')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--output-dir', help='directory to write one picture per sample to')
    parser.add_argument('--not-show', action='store_true', help='do not open windows')
    parser.add_argument('--phase', default='train', choices=['train', 'val', 'test'],
                        help='which data loader\'s data set and pipeline to browse')
    parser.add_argument('--show-number', type=int, default=10, help='samples to draw')
    parser.add_argument('--show-interval', type=float, default=2,
                        help='seconds each window stays open')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file.')
    return parser.parse_args(argv)


def _to_hwc_rgb(view: torch.Tensor, sample) -> np.ndarray:
    """[C, H, W] tensor as packed -> [H, W, 3] uint8 RGB, in the sample's channel order."""
    return to_display_rgb(view, channel_order_of(sample))


def _mask_panel(mask: np.ndarray) -> np.ndarray:
    return np.repeat((mask.astype(np.uint8) * 255)[..., None], 3, axis=2)


def draw_dense_views(inputs: torch.Tensor, sample) -> np.ndarray:
    """Panels of an ``IICDenseViews`` sample: inputs [2, C, H, W]."""
    meta = sample.metainfo
    first, second = inputs[0], inputs[1]
    affine = torch.as_tensor(meta['view_affine'], dtype=torch.float64)[None]
    mask_t = torch.as_tensor(meta['valid_mask_t'])[None]
    aligned, valid = align_to_first_view(second[None].double(), affine, mask_t)
    valid = valid[0].numpy() & (torch.as_tensor(meta['valid_mask']).numpy() > 0)
    aligned_rgb = _to_hwc_rgb(aligned[0].round().clamp(0, 255).to(torch.uint8), sample)
    aligned_rgb[~valid] = aligned_rgb[~valid] // 3  # dim what the loss ignores
    panels = [(_to_hwc_rgb(first, sample), 'first view'),
              (_to_hwc_rgb(second, sample), 'second view'), (aligned_rgb, 'warped back'),
              (_mask_panel(valid), f'valid ({valid.mean() * 100:.0f} %)')]
    if 'gt_sem_seg' in sample:
        labels = sample.gt_sem_seg.data.squeeze(0).numpy()
        known = labels[labels != 255]
        palette = cluster_palette(int(known.max()) + 1 if known.size else 1)
        panels.append((paint_clusters(labels, palette, ignore_index=255), 'labels'))
    return hstack_panels([label_panel(upscale(image), name) for image, name in panels])


def draw_paired_views(inputs: torch.Tensor, sample) -> np.ndarray:
    """Panels of an ``IICPairedViews`` sample: inputs [1 + r, C, H, W]."""
    names = ['first view'] + [f'pair {i}' for i in range(1, inputs.shape[0])]
    panels = [label_panel(upscale(_to_hwc_rgb(view, sample)), name)
              for view, name in zip(inputs, names)]
    picture = hstack_panels(panels)
    if 'gt_label' in sample:
        picture = label_panel(picture, f'label {int(sample.gt_label.reshape(-1)[0])}')
    return picture


def draw_sample(packed: dict) -> np.ndarray:
    """One packed sample (``inputs``, ``data_samples``) -> [H, W, 3] uint8 RGB."""
    inputs, sample = packed['inputs'], packed['data_samples']
    if inputs.dim() == 4 and 'view_affine' in sample.metainfo:
        return draw_dense_views(inputs, sample)
    if inputs.dim() == 4:
        return draw_paired_views(inputs, sample)
    return label_panel(upscale(_to_hwc_rgb(inputs, sample)), 'image (no views in this pipeline)')


def main(argv: Optional[List[str]] = None) -> List[str]:
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset = DATASETS.build(cfg[f'{args.phase}_dataloader'].dataset)
    if args.output_dir is not None:
        os.makedirs(args.output_dir, exist_ok=True)
    visualizer = None if args.not_show else Visualizer.get_instance('browse_dataset')
    written = []
    for index in range(min(args.show_number, len(dataset))):
        picture = draw_sample(dataset[index])
        name = f'{args.phase}_{index:05d}'
        if args.output_dir is not None:
            path = osp.join(args.output_dir, name + '.png')
            cv2.imwrite(path, picture[..., ::-1])
            written.append(path)
        if visualizer is not None:
            visualizer.show(picture, win_name=name, wait_time=args.show_interval)
    return written


if __name__ == '__main__':
    main()
