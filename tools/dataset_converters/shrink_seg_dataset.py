"""Write a copy of a segmentation data set shrunk once to its training scale.

Decoding dominates the CPU cost of a training sample when the views are made
on the GPU; this tool shrinks the files once (the work is
:func:`mmiic.analysis.shrink_dataset`: JPEGs through
``LoadResizedImage`` as on the fly and at test time, stored losslessly as
``<name>.png``; labels nearest-neighbour; same layout and names, other
formats kept; non-images named and skipped) and records the scale in
``prescaled.json`` at the copy's root. Configs that read such a copy
(``configs/iic/iic_vgg_cocostuff3_device_views_prescaled.py``:
``LoadResizedImage`` at ``scale_factor=1``, data set ``prescaled=1/3``,
``img_suffix='.png'``) refuse a root without that record.

Usage::

    python tools/dataset_converters/shrink_seg_dataset.py data/coco_stuff164k \\
        data/coco_stuff164k_third --scale 1/3 --image-dir images/train2017 \\
        --label-dir annotations/train2017 --copy curated
"""
import argparse
import os
from fractions import Fraction

from mmiic.analysis import shrink_dataset


def parse_scale(text: str) -> float:
    """'1/3' or '0.5' -> float in (0, 1]."""
    try:
        scale = float(Fraction(text))
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f'--scale must be a number or a fraction, got {text!r}')
    if not 0 < scale <= 1:
        raise argparse.ArgumentTypeError(f'--scale must lie in (0, 1], got {text!r}')
    return scale


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src_root', help='data set root, e.g. data/coco_stuff164k')
    parser.add_argument('dst_root', help='where the shrunk copy goes (same layout)')
    parser.add_argument('--scale', type=parse_scale, required=True,
                        help='e.g. 1/3 (the COCO-Stuff configs) or 0.5')
    parser.add_argument('--image-dir', nargs='+', default=[],
                        help='image folders under src_root (bilinear)')
    parser.add_argument('--label-dir', nargs='+', default=[],
                        help='label-map folders under src_root (nearest-neighbour, PNG)')
    parser.add_argument('--copy', nargs='*', default=[],
                        help='folders or files copied unchanged (e.g. curated image lists)')
    parser.add_argument('--nproc', type=int, default=os.cpu_count() or 1)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if not args.image_dir and not args.label_dir:
        raise SystemExit('give --image-dir and/or --label-dir')
    try:
        shrink_dataset(args.src_root, args.dst_root, args.scale, args.image_dir, args.label_dir,
                       args.copy, args.nproc)
    except ValueError as error:  # e.g. dst_root == src_root; missing folders raise as they are
        raise SystemExit(str(error))


if __name__ == '__main__':
    main()
