"""Simple label-free baselines on a clustering or segmentation data folder.

These are the yardsticks mmiic's results are compared with, not methods to
use: nothing in them is learnt beyond k-means, and labels serve only to score.

- **Image clustering** (a folder of MNIST IDX files, as ``mmiic.MNISTCluster``
  reads): k-means on the raw pixels (scaled to [0, 1]) of all images, train
  and t10k together (the unsupervised protocol of the paper and the demo),
  k = the number of classes present, ``--n-init`` restarts (default 10) with
  seed ``--seed``. Hungarian ACC, NMI and ARI (mmiic's metric helpers).
- **Segmentation** (an ``mmiic.ImageFolderSegDataset`` folder:
  ``images/<split>/*``, ``labels/<split>/<stem>.png`` with class ids, 255
  ignored): on the ``--split`` images (default ``test``)

  * a *global Otsu threshold*: one threshold on the grey levels of all
    pixels of the split (colour images: OpenCV's grey conversion), giving two
    clusters; Hungarian matching picks the better polarity (and, with more
    than two classes, the two classes the clusters match best; the others
    count as errors);
  * *k-means on pixel colour* (or grey level): k = the number of classes
    present, fit on up to ``--max-pixels`` pixels drawn with the seed, then
    applied to every pixel.

  Pixel ACC (Hungarian), mIoU (matched classes; a class no cluster is matched
  to has IoU 0), NMI and ARI over the labelled pixels.

Prints a markdown table; ``--out FILE`` also writes the numbers as JSON.
Usage::

    python tools/analysis_tools/pixel_baselines.py data/animal_mnist data/stardist_nuclei \\
        --out work_dirs/pixel_baselines.json
"""
import argparse
import json
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
from skimage.filters import threshold_otsu
from sklearn.cluster import KMeans

from mmiic.datasets.cluster_datasets import read_idx
from mmiic.evaluation.functional import confusion_matrix, metrics_from_confusion
from mmiic.evaluation.metrics import matched_iou

IDX_SPLITS = (('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
              ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'))
IGNORE = 255


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('folders', nargs='+', help='IDX clustering folders and/or segmentation '
                        'folders (images/ + labels/)')
    parser.add_argument('--split', default='test', help='segmentation sub-folder of images/ '
                        "and labels/ to score (default 'test')")
    parser.add_argument('--n-init', type=int, default=10, help='k-means restarts (best inertia '
                        'kept); default 10')
    parser.add_argument('--seed', type=int, default=0, help='k-means and pixel-sampling seed')
    parser.add_argument('--max-pixels', type=int, default=200_000,
                        help='pixels the colour k-means is fit on (default 200000)')
    parser.add_argument('--out', help='write the results as JSON to this file')
    return parser.parse_args(argv)


def _find(path: str) -> Optional[str]:
    for candidate in (path, path + '.gz'):
        if osp.isfile(candidate):
            return candidate
    return None


def _pct(metrics: dict) -> Dict[str, float]:
    return {key: round(float(metrics[key]) * 100, 2) for key in ('acc', 'nmi', 'ari')}


def _compact(labels: np.ndarray) -> tuple:
    """Labels renumbered 0..k-1 over the classes present, and those class ids."""
    present = np.unique(labels)
    return np.searchsorted(present, labels), present


def cluster_baseline(folder: str, n_init: int = 10, seed: int = 0) -> List[dict]:
    """k-means on the raw pixels of an IDX folder (train + t10k)."""
    images, labels = [], []
    for img_name, label_name in IDX_SPLITS:
        img_path, label_path = (_find(osp.join(folder, n)) for n in (img_name, label_name))
        if img_path is None and label_path is None:
            continue
        if img_path is None or label_path is None:
            raise FileNotFoundError(f'{folder}: {img_name} and {label_name} must come together')
        x, y = read_idx(img_path), read_idx(label_path)
        if len(x) != len(y):
            raise ValueError(f'{img_path} has {len(x)} images but {label_path} {len(y)} labels')
        images.append(x.reshape(len(x), -1))
        labels.append(y.astype(np.int64))
    if not images:
        raise FileNotFoundError(f'{folder}: no IDX files ({IDX_SPLITS[0][0]}, ...)')
    features = np.concatenate(images).astype(np.float32) / 255
    target, present = _compact(np.concatenate(labels))
    k = len(present)
    start = time.perf_counter()
    pred = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit_predict(features)
    seconds = time.perf_counter() - start
    metrics = metrics_from_confusion(confusion_matrix(pred, target, k, k))
    return [dict(dataset=osp.basename(osp.normpath(folder)), kind='clustering',
                 size=f'{len(features)} images {images[0].shape[1]} px', classes=k,
                 method=f'k-means on pixels (n_init={n_init})', **_pct(metrics),
                 miou=None, seconds=round(seconds, 2))]


def _read_seg_split(folder: str, split: str) -> tuple:
    """([P, C] float32 pixel values, [P] grey levels, [P] labels, number of images)."""
    img_dir, label_dir = osp.join(folder, 'images', split), osp.join(folder, 'labels', split)
    for path in (img_dir, label_dir):
        if not osp.isdir(path):
            raise FileNotFoundError(f'{path} not found')
    names = sorted(n for n in os.listdir(img_dir) if not n.startswith('.'))
    if not names:
        raise ValueError(f'{img_dir} holds no images')
    values, greys, labels = [], [], []
    for name in names:
        img_path = osp.join(img_dir, name)
        label_path = osp.join(label_dir, osp.splitext(name)[0] + '.png')
        image = cv2.imread(img_path, cv2.IMREAD_UNCHANGED)
        if image is None:
            raise ValueError(f'{img_path}: not a readable image')
        label = cv2.imread(label_path, cv2.IMREAD_UNCHANGED)
        if label is None:
            raise FileNotFoundError(f'image {img_path} has no readable label map {label_path}')
        if label.shape != image.shape[:2]:
            raise ValueError(f'{label_path}: shape {label.shape} differs from its image '
                             f'{image.shape[:2]}')
        if image.dtype != np.uint8:
            raise ValueError(f'{img_path}: expected an 8-bit image, got {image.dtype}')
        if image.ndim == 3 and image.shape[2] == 4:
            image = image[..., :3]
        grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        values.append(image.reshape(-1, 1 if image.ndim == 2 else image.shape[2]))
        greys.append(grey.reshape(-1))
        labels.append(label.reshape(-1).astype(np.int64))
    channels = {v.shape[1] for v in values}
    if len(channels) > 1:
        raise ValueError(f'{img_dir}: images mix channel counts {sorted(channels)}')
    return (np.concatenate(values).astype(np.float32), np.concatenate(greys),
            np.concatenate(labels), len(names))


def _seg_scores(pred: np.ndarray, target: np.ndarray, num_clusters: int, k: int) -> dict:
    confusion = confusion_matrix(pred, target, num_clusters, k)
    metrics = metrics_from_confusion(confusion)
    iou = np.nan_to_num(matched_iou(confusion, metrics['mapping']), nan=0.0)
    return dict(**_pct(metrics), miou=round(float(iou.mean()) * 100, 2))


def seg_baselines(folder: str, split: str = 'test', n_init: int = 10, seed: int = 0,
                  max_pixels: int = 200_000) -> List[dict]:
    """Global Otsu threshold and colour k-means on one split of a seg folder."""
    values, greys, labels, num_images = _read_seg_split(folder, split)
    valid = labels != IGNORE
    if not valid.any():
        raise ValueError(f'{folder}: no labelled pixel in labels/{split}')
    target, present = _compact(labels[valid])
    k = len(present)
    common = dict(dataset=osp.basename(osp.normpath(folder)), kind='segmentation',
                  size=f'{num_images} image(s) {int(valid.sum())} px ({split})', classes=k)
    rows = []

    start = time.perf_counter()
    threshold = threshold_otsu(greys)
    otsu = (greys > threshold).astype(np.int64)
    rows.append(dict(common, method=f'global Otsu threshold ({float(threshold):.1f}, 2 clusters)',
                     **_seg_scores(otsu[valid], target, 2, k),
                     seconds=round(time.perf_counter() - start, 2)))

    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    fit = values if len(values) <= max_pixels else values[rng.choice(len(values), max_pixels,
                                                                      replace=False)]
    kmeans = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(fit / 255)
    pred = kmeans.predict(values / 255)
    channels = 'grey level' if values.shape[1] == 1 else 'pixel colour'
    rows.append(dict(common, method=f'k-means on {channels} (n_init={n_init})',
                     **_seg_scores(pred[valid], target, k, k),
                     seconds=round(time.perf_counter() - start, 2)))
    return rows


def run_folder(folder: str, args: argparse.Namespace) -> List[dict]:
    if any(_find(osp.join(folder, name)) for pair in IDX_SPLITS for name in pair):
        return cluster_baseline(folder, args.n_init, args.seed)
    if osp.isdir(osp.join(folder, 'images')) and osp.isdir(osp.join(folder, 'labels')):
        return seg_baselines(folder, args.split, args.n_init, args.seed, args.max_pixels)
    raise FileNotFoundError(f'{folder}: neither IDX files (train-images-idx3-ubyte, ...) nor '
                            'images/ and labels/ folders')


def markdown(rows: Sequence[dict]) -> str:
    lines = ['| data set | kind | size | classes | method | ACC | NMI | ARI | mIoU | time (s) |',
             '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    for r in rows:
        miou = '–' if r['miou'] is None else f"{r['miou']:.1f}"
        lines.append(f"| {r['dataset']} | {r['kind']} | {r['size']} | {r['classes']} | "
                     f"{r['method']} | {r['acc']:.1f} | {r['nmi']:.1f} | {r['ari']:.1f} | "
                     f"{miou} | {r['seconds']:.1f} |")
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    rows = [row for folder in args.folders for row in run_folder(folder, args)]
    print(markdown(rows))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(dict(rows=rows, n_init=args.n_init, seed=args.seed, split=args.split), f,
                      indent=2)


if __name__ == '__main__':
    main()
