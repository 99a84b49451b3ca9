"""Write a copy of a segmentation data set shrunk once to its training scale.

Decoding dominates the CPU cost of a training sample when the views are made
on the GPU: a 640 x 480 COCO-Stuff JPEG (decoded at half size) and its label
PNG take about 3.5 ms per sample, the same pair shrunk to the 1/3 the
COCO-Stuff configs train at about 0.5 ms. This tool does the shrinking once:
JPEGs through ``LoadResizedImage`` (what the on-the-fly pipeline does: reduced
decoding, then bilinear), other images bilinearly, labels nearest-neighbour,
to the size mmcv's ``Resize(scale_factor=s, keep_ratio=True)`` gives
(``int(side * s + 0.5)``). Folder layout, file names and formats stay the
same, so the data set classes read the copy unchanged (with
``LoadResizedImage`` at ``scale_factor=1``:
``configs/iic/iic_vgg_cocostuff3_device_views_prescaled.py``). JPEGs are
re-encoded at ``--jpeg-quality`` (95, full-resolution colour); labels are read
as ``LoadIICAnnotations`` reads them (pillow: palette PNGs give their
indices). Files that are not images are named and skipped.

Usage::

    python tools/dataset_converters/shrink_seg_dataset.py data/coco_stuff164k \\
        data/coco_stuff164k_third --scale 1/3 --image-dir images/train2017 \\
        --label-dir annotations/train2017 --copy curated
"""
import argparse
import os
import os.path as osp
import shutil
from fractions import Fraction
from functools import partial
from typing import List, Tuple

import cv2
import mmcv
from mmengine.utils import track_parallel_progress, track_progress

from mmiic.datasets.transforms import LoadResizedImage
from mmiic.datasets.transforms.reduced_loading import resized_size

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff')


def parse_scale(text: str) -> float:
    """'1/3' or '0.5' -> float in (0, 1]."""
    try:
        scale = float(Fraction(text))
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f'--scale must be a number or a fraction, got {text!r}')
    if not 0 < scale <= 1:
        raise argparse.ArgumentTypeError(f'--scale must lie in (0, 1], got {text!r}')
    return scale


def shrink_file(job: Tuple[str, str], scale: float, label: bool, quality: int) -> None:
    src, dst = job
    if not label and src.lower().endswith(('.jpg', '.jpeg')):
        # Exactly what the on-the-fly pipeline makes of it (reduced decoding + bilinear).
        img = LoadResizedImage(scale_factor=scale)(dict(img_path=src))['img']
    else:
        # Labels as LoadIICAnnotations reads them (pillow, 'unchanged': palette PNGs give ids).
        with open(src, 'rb') as f:
            img = mmcv.imfrombytes(f.read(), flag='unchanged',
                                   backend='pillow' if label else 'cv2')
        if img is None:
            raise ValueError(f'{src}: cannot decode image')
        if label and img.ndim != 2:
            raise ValueError(f'{src}: label maps must be single-channel, got shape {img.shape}')
        size = resized_size(img.shape[1], img.shape[0], scale)
        img = mmcv.imresize(img, size, interpolation='nearest' if label else 'bilinear')
    os.makedirs(osp.dirname(dst), exist_ok=True)
    params = []
    if dst.lower().endswith(('.jpg', '.jpeg')):
        # Full-resolution colour (4:4:4): chroma subsampling would blur small images' colours.
        params = [cv2.IMWRITE_JPEG_QUALITY, quality,
                  cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]
    ok = cv2.imwrite(dst, img, params)  # same name and format as the original
    if not ok:
        raise OSError(f'cannot write {dst}')


def list_jobs(src_root: str, dst_root: str, folder: str) -> List[Tuple[str, str]]:
    """(source, destination) of every image under ``folder`` (other files are
    named and skipped)."""
    src_dir = osp.join(src_root, folder)
    if not osp.isdir(src_dir):
        raise FileNotFoundError(f'{src_dir} not found')
    jobs, skipped = [], []
    for parent, _, names in os.walk(src_dir, followlinks=True):
        for name in sorted(names):
            src = osp.join(parent, name)
            if name.lower().endswith(IMAGE_SUFFIXES):
                jobs.append((src, osp.join(dst_root, osp.relpath(src, src_root))))
            else:
                skipped.append(src)
    if skipped:
        print(f'{folder}: skipped {len(skipped)} files that are not images, e.g. {skipped[0]}')
    if not jobs:
        raise FileNotFoundError(f'no images ({", ".join(IMAGE_SUFFIXES)}) under {src_dir}')
    return sorted(jobs)


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
    parser.add_argument('--jpeg-quality', type=int, default=95)
    parser.add_argument('--nproc', type=int, default=os.cpu_count() or 1)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if osp.abspath(args.src_root) == osp.abspath(args.dst_root):
        raise SystemExit('dst_root must differ from src_root (the originals stay untouched)')
    if not args.image_dir and not args.label_dir:
        raise SystemExit('give --image-dir and/or --label-dir')
    for folders, label in ((args.image_dir, False), (args.label_dir, True)):
        for folder in folders:
            jobs = list_jobs(args.src_root, args.dst_root, folder)
            print(f'{folder}: {len(jobs)} files -> {osp.join(args.dst_root, folder)}', flush=True)
            work = partial(shrink_file, scale=args.scale, label=label, quality=args.jpeg_quality)
            if args.nproc > 1:
                track_parallel_progress(work, jobs, args.nproc)
            else:
                track_progress(work, jobs)
    for item in args.copy:
        src, dst = osp.join(args.src_root, item), osp.join(args.dst_root, item)
        if osp.isdir(src):
            shutil.copytree(src, dst, dirs_exist_ok=True)
        elif osp.isfile(src):
            os.makedirs(osp.dirname(dst) or '.', exist_ok=True)
            shutil.copy(src, dst)
        else:
            raise FileNotFoundError(f'--copy {item}: {src} not found')


if __name__ == '__main__':
    main()
