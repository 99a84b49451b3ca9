"""Estimate the typical size of the things in a folder of images (no labels).

Prints the diameter in pixels (scale-normalised LoG energy, see
:mod:`mmiic.analysis.object_scale`) and the resize factor and displacement that
``configs/iic/iic_minivgg_folder_seg.py`` derives from it, e.g.::

    python tools/analysis_tools/estimate_object_size.py data/my_images
    OBJECT_SIZE=17 python tools/train.py configs/iic/iic_minivgg_folder_seg.py

Images larger than ``--max-side`` are shrunk for the estimate and the result
is scaled back to the original pixels.
"""
import argparse
import json

import cv2
import numpy as np

from mmiic.datasets.folder_datasets import list_images
from mmiic.datasets.transforms.loading import read_image, to_uint8
from mmiic.analysis import estimate_object_size, seg_scale_settings


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Estimate the typical object size of images')
    parser.add_argument('folder', help='folder of images (searched recursively)')
    parser.add_argument('--num-images', type=int, default=16,
                        help='images used, evenly spread over the sorted list')
    parser.add_argument('--max-side', type=int, default=1024,
                        help='images are shrunk to at most this side for the estimate')
    parser.add_argument('--min-size', type=float, default=2.0, help='smallest diameter tried (px)')
    parser.add_argument('--out', help='also write the result to this JSON file')
    return parser.parse_args()


def load_for_estimate(path: str, max_side: int) -> tuple:
    """(grey float image, factor it was shrunk by) for one file."""
    img = to_uint8(read_image(path)).astype(np.float32)
    if img.ndim == 3:
        img = img[..., :3].mean(axis=2)
    shrink = min(1.0, max_side / max(img.shape[:2]))
    if shrink < 1.0:
        img = cv2.resize(img, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    return img, shrink


def main() -> None:
    args = parse_args()
    paths = list_images(args.folder)
    picked = np.unique(np.linspace(0, len(paths) - 1, min(args.num_images, len(paths))).astype(int))
    loaded = [load_for_estimate(paths[i], args.max_side) for i in picked]
    shrinks = {round(s, 6) for _, s in loaded}
    if len(shrinks) > 1:  # estimate each at its own scale, then combine in original pixels
        sizes = [estimate_object_size([img], min_size=args.min_size) / s for img, s in loaded]
        size = float(np.median(sizes))
    else:
        size = estimate_object_size([img for img, _ in loaded], min_size=args.min_size)
        size /= loaded[0][1]
    settings = seg_scale_settings(size)
    result = dict(folder=args.folder, images=len(picked), object_size=round(size, 1), **settings)
    print(f'estimated object size: {size:.1f} px ({len(picked)} images of {args.folder})')
    print(f'folder template: resize x{settings["scale_factor"]:.3f}, '
          f'displacement {settings["displacement"]}')
    print(f'use it: OBJECT_SIZE={round(size)} python tools/train.py '
          'configs/iic/iic_minivgg_folder_seg.py')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
