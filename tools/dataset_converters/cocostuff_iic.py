"""Write the curated COCO-Stuff image lists of the IIC benchmarks.

An image is kept for a subset when both sides are at least ``--min-side``
pixels and at least ``--min-fraction`` of its pixels belong to the subset's
classes (sky/plant/ground for COCO-Stuff-3, the 15 stuff groups for
COCO-Stuff-15, any labelled class for COCO-Stuff-27). Lists go to
``<data-root>/curated/<split>/<subset>.txt``, one image name per line, and
are read by ``COCOStuffIICDataset`` through ``ann_file``.

Usage::

    python tools/dataset_converters/cocostuff_iic.py --data-root data/coco_stuff164k
"""
import argparse
import glob
import os
import os.path as osp
from functools import partial

import mmcv
import numpy as np
from mmengine.utils import track_parallel_progress

from mmiic.datasets.cocostuff_labels import SUBSETS, fine_to_subset_lut, train_id_to_fine

SUFFIX = {'train_ids': '_labelTrainIds.png', 'fine': '.png'}


def subset_luts(label_format: str) -> dict:
    luts = {}
    for subset in SUBSETS:
        lut = fine_to_subset_lut(subset)
        if label_format == 'train_ids':
            mapped = np.full(256, 255, dtype=np.uint8)
            mapped[:171] = lut[train_id_to_fine()]
            lut = mapped
        luts[subset] = lut
    return luts


def scan(path: str, luts: dict, min_side: int, min_fraction: float) -> dict:
    label = mmcv.imread(path, flag='unchanged', backend='pillow')
    if label is None or label.ndim != 2:
        raise ValueError(f'{path}: not a single-channel label map')
    if min(label.shape) < min_side:
        return {}
    return {s: float((lut[label] != 255).mean()) >= min_fraction for s, lut in luts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description='Curated COCO-Stuff lists for IIC')
    parser.add_argument('--data-root', default='data/coco_stuff164k')
    parser.add_argument('--label-format', choices=sorted(SUFFIX), default='train_ids')
    parser.add_argument('--splits', nargs='+', default=['train2017', 'val2017'])
    parser.add_argument('--min-side', type=int, default=360)
    parser.add_argument('--min-fraction', type=float, default=0.75)
    parser.add_argument('--nproc', type=int, default=os.cpu_count())
    args = parser.parse_args()
    luts = subset_luts(args.label_format)
    suffix = SUFFIX[args.label_format]
    for split in args.splits:
        pattern = osp.join(args.data_root, 'annotations', split, '*' + suffix)
        paths = sorted(p for p in glob.glob(pattern)
                       if args.label_format == 'train_ids' or not p.endswith('_labelTrainIds.png'))
        if not paths:
            raise FileNotFoundError(f'no label maps match {pattern}')
        keep = track_parallel_progress(
            partial(scan, luts=luts, min_side=args.min_side, min_fraction=args.min_fraction),
            paths, args.nproc) if args.nproc > 1 else [
                scan(p, luts, args.min_side, args.min_fraction) for p in paths]
        out_dir = osp.join(args.data_root, 'curated', split)
        os.makedirs(out_dir, exist_ok=True)
        for subset in SUBSETS:
            names = [osp.basename(p)[:-len(suffix)] for p, k in zip(paths, keep) if k.get(subset)]
            with open(osp.join(out_dir, f'{subset}.txt'), 'w') as f:
                f.write('\n'.join(names) + ('\n' if names else ''))
            print(f'{split} {subset}: {len(names)} of {len(paths)} images')


if __name__ == '__main__':
    main()
