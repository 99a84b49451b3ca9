"""Convert ISPRS Potsdam tiles into the IIC Potsdam benchmark layout.

Reads ``top_potsdam_<id>_RGBIR.tif`` (4-channel, 6000 x 6000) and
``top_potsdam_<id>_label.tif`` (RGB colour labels), halves them
(area / nearest), cuts non-overlapping 200 x 200 crops and writes

    <out>/images/<split>/<id>_<row>_<col>.png   4-channel RGB+IR
    <out>/labels/<split>/<id>_<row>_<col>.png   Potsdam-6 ids (255: unknown colour)

Splits, by tile so that no tile feeds two splits: the tiles are sorted,
every ``--test-every``-th tile goes to ``labelled_test``, and the crops of
the remaining tiles are divided between ``labelled_train`` and
``unlabelled_train`` (every ``--unlabelled-every``-th crop is unlabelled;
its label map is still written, for the overclustering protocol).

Usage::

    python tools/dataset_converters/potsdam_iic.py ISPRS_DIR --out data/potsdam
"""
import argparse
import glob
import os
import os.path as osp

import cv2
import numpy as np

from mmiic.datasets.seg_datasets import POTSDAM_COLOURS


def colours_to_ids(label_rgb: np.ndarray) -> np.ndarray:
    """[H, W, 3] RGB label image -> [H, W] uint8 Potsdam-6 ids (255 unknown)."""
    ids = np.full(label_rgb.shape[:2], 255, np.uint8)
    for i, colour in enumerate(POTSDAM_COLOURS):
        ids[(label_rgb == np.array(colour, np.uint8)).all(axis=2)] = i
    return ids


def convert_tile(image_path: str, label_path: str, crop: int = 200, scale: float = 0.5):
    image = cv2.imread(image_path, cv2.IMREAD_UNCHANGED)
    label = cv2.imread(label_path, cv2.IMREAD_COLOR)
    if image is None or image.ndim != 3 or image.shape[2] != 4:
        raise ValueError(f'{image_path}: expected a 4-channel RGBIR image')
    if label is None or label.shape[:2] != image.shape[:2]:
        raise ValueError(f'{label_path}: missing or not the size of {image_path}')
    # OpenCV reads BGRA order for 4-channel TIFFs; the file stores R, G, B, IR.
    image = image[..., [2, 1, 0, 3]]
    size = (int(image.shape[1] * scale), int(image.shape[0] * scale))
    image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ids = colours_to_ids(cv2.resize(label, size, interpolation=cv2.INTER_NEAREST)[..., ::-1])
    for r in range(size[1] // crop):
        for c in range(size[0] // crop):
            sl = (slice(r * crop, (r + 1) * crop), slice(c * crop, (c + 1) * crop))
            yield r, c, image[sl], ids[sl]


def main() -> None:
    parser = argparse.ArgumentParser(description='ISPRS Potsdam -> IIC Potsdam crops')
    parser.add_argument('src', help='folder with top_potsdam_*_RGBIR.tif and *_label.tif')
    parser.add_argument('--out', default='data/potsdam')
    parser.add_argument('--test-every', type=int, default=4)
    parser.add_argument('--unlabelled-every', type=int, default=3)
    args = parser.parse_args()
    images = sorted(glob.glob(osp.join(args.src, '**', 'top_potsdam_*_RGBIR.tif'), recursive=True))
    if not images:
        raise FileNotFoundError(f'no top_potsdam_*_RGBIR.tif under {args.src}')
    counts = {}
    for t, image_path in enumerate(images):
        tile = osp.basename(image_path)[len('top_potsdam_'):-len('_RGBIR.tif')]
        candidates = glob.glob(osp.join(args.src, '**', f'top_potsdam_{tile}_label.tif'),
                               recursive=True)
        if not candidates:
            raise FileNotFoundError(f'label tile top_potsdam_{tile}_label.tif not found')
        for k, (r, c, img, ids) in enumerate(convert_tile(image_path, candidates[0])):
            if t % args.test_every == args.test_every - 1:
                split = 'labelled_test'
            elif k % args.unlabelled_every == args.unlabelled_every - 1:
                split = 'unlabelled_train'
            else:
                split = 'labelled_train'
            for kind, array in (('images', img[..., [2, 1, 0, 3]]), ('labels', ids)):
                folder = osp.join(args.out, kind, split)
                os.makedirs(folder, exist_ok=True)
                cv2.imwrite(osp.join(folder, f'{tile}_{r}_{c}.png'), array)
            counts[split] = counts.get(split, 0) + 1
        print(f'[{t + 1}/{len(images)}] tile {tile}: {counts}', flush=True)


if __name__ == '__main__':
    main()
