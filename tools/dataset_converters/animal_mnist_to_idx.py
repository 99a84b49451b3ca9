"""Write the Animal-Shape MNIST set shipped in the ``animal-mnist`` wheel as IDX files.

``animal-mnist`` (MIT; installed with ``--no-deps`` outside
site-packages by ``tools/setup_env.sh``, never imported) ships
10,000 28x28 grey animal silhouettes, 1,000 per class, as two gzipped
pickles of numpy arrays: ``animal_mnist/data/Animal_MNIST/
animal_data_version_3.gz`` ([N, 28, 28] uint8) and
``animal_label_version_3.gz`` ([N] class ids). The wheel has no split; this
script holds out 1/7 of each class (as MNIST's 10k of 70k), drawn with a
fixed seed: 8,570 train and 1,430 t10k images.

Usage::

    python tools/dataset_converters/animal_mnist_to_idx.py --out data/animal_mnist
"""
import argparse
import gzip
import os.path as osp
import pickle
import sys

import numpy as np

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from converter_utils import (data_wheel_install, package_dir,  # noqa: E402
                             stratified_test_mask, write_cluster_set)

# Class order of the wheel's labels (its README).
CLASSES = ('bear', 'bird', 'cat', 'cow', 'dog', 'elephant', 'giraffe', 'horse', 'sheep', 'zebra')
DATA_FILE, LABEL_FILE = 'animal_data_version_3.gz', 'animal_label_version_3.gz'
INSTALL = data_wheel_install('animal-mnist==0.4')


def _load(path: str) -> np.ndarray:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found')
    try:
        with gzip.open(path, 'rb') as f:
            return np.asarray(pickle.load(f))
    except Exception as e:  # not gzip, truncated, not a pickle
        raise ValueError(f'{path}: cannot read a gzipped pickled array ({type(e).__name__}: '
                         f'{e})') from e


def convert(out_dir: str, source: str = None, seed: int = 0) -> dict:
    """Write the IDX files; returns the number of images per split."""
    source = source or package_dir('animal_mnist', 'data', 'Animal_MNIST', install_hint=INSTALL)
    images = _load(osp.join(source, DATA_FILE))
    labels = _load(osp.join(source, LABEL_FILE)).astype(np.int64).reshape(-1)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f'{osp.join(source, DATA_FILE)}: expected [N, 28, 28] images, got '
                         f'{images.shape}')
    if images.min() < 0 or images.max() > 255:
        raise ValueError(f'{osp.join(source, DATA_FILE)}: pixel values outside 0..255')
    return write_cluster_set(out_dir, images.astype(np.uint8), labels,
                             stratified_test_mask(labels, 1 / 7, seed), CLASSES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='data/animal_mnist')
    parser.add_argument('--source', help='folder holding the two .gz files (default: the '
                        'installed wheel)')
    args = parser.parse_args()
    counts = convert(args.out, args.source)
    print(f'wrote Animal-Shape MNIST IDX files to {args.out}: {counts}')


if __name__ == '__main__':
    main()
