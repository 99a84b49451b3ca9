"""Tiny data sets in their exact on-disk formats, for tests and benchmarks.

Each ``make_*`` writes the layout that the matching mmiic data set reads
(MNIST IDX files, CIFAR pickles, STL-10 binaries, mmseg's COCO-Stuff-164k
tree, the Potsdam converter's output, folders of your own images, a video)
with random pixels, and returns the root (or the paths).
:func:`write_fake_data` picks the writer for a data set config;
:func:`dense_view_batch` packs a segmentation training batch.
"""
import os
import os.path as osp
import pickle
from typing import Optional

import numpy as np


def write_idx(path, array, type_code=0x08):
    array = np.asarray(array)
    header = bytes([0, 0, type_code, array.ndim]) + b''.join(
        int(d).to_bytes(4, 'big') for d in array.shape)
    with open(path, 'wb') as f:
        f.write(header + array.astype('>u1' if type_code == 0x08 else array.dtype).tobytes())


def digit_images(n, rng, side=28):
    """Blocky synthetic digits: class c lights up a bar at position c."""
    labels = rng.integers(0, 10, n)
    images = rng.integers(0, 40, (n, side, side)).astype(np.uint8)
    for i, c in enumerate(labels):
        y = 4 + 2 * int(c)
        images[i, y:y + 2, 4:24] = 255
    return images, labels


def make_mnist(root, n_train=64, n_test=32, seed=0):
    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    for prefix, n in (('train', n_train), ('t10k', n_test)):
        images, labels = digit_images(n, rng)
        write_idx(osp.join(root, f'{prefix}-images-idx3-ubyte'), images)
        write_idx(osp.join(root, f'{prefix}-labels-idx1-ubyte'), labels)
    return root


def make_cifar10(root, n_per_batch=8, seed=0):
    rng = np.random.default_rng(seed)
    folder = osp.join(root, 'cifar-10-batches-py')
    os.makedirs(folder, exist_ok=True)
    for name in [f'data_batch_{i}' for i in range(1, 6)] + ['test_batch']:
        batch = {b'data': rng.integers(0, 256, (n_per_batch, 3072), dtype=np.uint8),
                 b'labels': rng.integers(0, 10, n_per_batch).tolist(),
                 b'batch_label': name.encode()}
        with open(osp.join(folder, name), 'wb') as f:
            pickle.dump(batch, f)
    return root


def make_cifar100(root, n=16, seed=0, with_coarse=True):
    from mmiic.datasets.cluster_datasets import CIFAR100_FINE_TO_COARSE
    rng = np.random.default_rng(seed)
    folder = osp.join(root, 'cifar-100-python')
    os.makedirs(folder, exist_ok=True)
    for name in ('train', 'test'):
        fine = rng.integers(0, 100, n)
        batch = {b'data': rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                 b'fine_labels': fine.tolist()}
        if with_coarse:
            batch[b'coarse_labels'] = [CIFAR100_FINE_TO_COARSE[f] for f in fine]
        with open(osp.join(folder, name), 'wb') as f:
            pickle.dump(batch, f)
    return root


def make_stl10(root, n=6, n_unlabeled=8, seed=0):
    rng = np.random.default_rng(seed)
    folder = osp.join(root, 'stl10_binary')
    os.makedirs(folder, exist_ok=True)
    for split, count in (('train', n), ('test', n), ('unlabeled', n_unlabeled)):
        # Column-major 3 x 96 x 96 per image, as in the official binaries.
        rng.integers(0, 256, count * 3 * 96 * 96, dtype=np.uint8).tofile(
            osp.join(folder, f'{split}_X.bin'))
        if split != 'unlabeled':
            rng.integers(1, 11, count, dtype=np.uint8).tofile(osp.join(folder, f'{split}_y.bin'))
    return root


def _photo_like(rng: np.random.Generator, size: tuple) -> np.ndarray:
    """[H, W, 3] uint8 with smooth regions and mild noise: its JPEG has a
    photo's size and decoding cost (pure noise would cost several times more)."""
    import cv2
    coarse = rng.integers(0, 256, (max(size[0] // 16, 2), max(size[1] // 16, 2), 3), dtype=np.uint8)
    smooth = cv2.resize(coarse, (size[1], size[0]), interpolation=cv2.INTER_CUBIC)
    noise = rng.normal(0, 6, size + (3, ))
    return np.clip(smooth + noise, 0, 255).astype(np.uint8)


def make_cocostuff(root, names=('000000000001', '000000000002', '000000000003', '000000000004'),
                   splits=('train2017', 'val2017'), size=(150, 180), seed=0):
    """mmseg COCO-Stuff-164k layout with *_labelTrainIds.png maps and curated lists.

    ``names`` may also be an int: that many images, numbered from 1.
    """
    import cv2
    rng = np.random.default_rng(seed)
    if isinstance(names, int):
        names = [f'{i:012d}' for i in range(1, names + 1)]
    for split in splits:
        os.makedirs(osp.join(root, 'images', split), exist_ok=True)
        os.makedirs(osp.join(root, 'annotations', split), exist_ok=True)
        os.makedirs(osp.join(root, 'curated', split), exist_ok=True)
        for name in names:
            cv2.imwrite(osp.join(root, 'images', split, name + '.jpg'), _photo_like(rng, size))
            # mmseg train ids: 145 = sky-other, 157 = tree, 0 = person (a thing), 255 = none
            # Regions of 8 x 8 pixels, as segmentations have (noise would make
            # the PNG several times slower to decode than a real label map).
            coarse = rng.choice(np.array([145, 157, 0, 255], np.uint8),
                                (-(-size[0] // 8), -(-size[1] // 8)))
            label = np.kron(coarse, np.ones((8, 8), np.uint8))[:size[0], :size[1]]
            cv2.imwrite(osp.join(root, 'annotations', split, name + '_labelTrainIds.png'), label)
        for subset in ('cocostuff3', 'cocostuff15', 'cocostuff27'):
            with open(osp.join(root, 'curated', split, subset + '.txt'), 'w') as f:
                f.write('\n'.join(names) + '\n')
    return root


def make_potsdam(root, n=2, side=40, seed=0):
    """The layout written by tools/dataset_converters/potsdam_iic.py."""
    import cv2
    rng = np.random.default_rng(seed)
    for split in ('labelled_train', 'unlabelled_train', 'labelled_test'):
        os.makedirs(osp.join(root, 'images', split), exist_ok=True)
        os.makedirs(osp.join(root, 'labels', split), exist_ok=True)
        for i in range(n):
            cv2.imwrite(osp.join(root, 'images', split, f'tile_{i}.png'),
                        rng.integers(0, 256, (side, side, 4), dtype=np.uint8))
            cv2.imwrite(osp.join(root, 'labels', split, f'tile_{i}.png'),
                        rng.integers(0, 6, (side, side), dtype=np.uint8))
    return root


def make_cluster_folder(root, per_class=4, seed=0):
    """Two classes in sub-folders, in three real formats: colour PNG, grey JPEG,
    16-bit TIFF (values spread over 0-65535), of different sizes."""
    import cv2
    import tifffile
    rng = np.random.default_rng(seed)
    paths = []
    for c, name in enumerate(('dark', 'bright')):
        os.makedirs(osp.join(root, name), exist_ok=True)
        for i in range(per_class):
            side = 36 + 4 * i
            base = np.full((side, side + 6, 3), 50 if c == 0 else 200, np.float64)
            img = np.clip(base + rng.normal(0, 20, base.shape), 0, 255)
            fmt = i % 3
            if fmt == 0:
                path = osp.join(root, name, f'img_{i}.png')
                cv2.imwrite(path, img.astype(np.uint8))
            elif fmt == 1:
                path = osp.join(root, name, f'img_{i}.jpg')
                cv2.imwrite(path, img[..., 0].astype(np.uint8))
            else:
                path = osp.join(root, name, f'img_{i}.tif')
                tifffile.imwrite(path, (img * 257).astype(np.uint16))
            paths.append(path)
    return paths


def make_seg_folder(root, n=3, size=(64, 80), seed=0, with_labels=True, values=(10, 20)):
    """Images (PNG and 16-bit TIFF) with two regions, and PNG label maps using
    the values ``values`` (left, right), by default 10 and 20 of a value mapping."""
    import cv2
    import tifffile
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(root, 'images', 'sub'), exist_ok=True)
    if with_labels:
        os.makedirs(osp.join(root, 'labels', 'sub'), exist_ok=True)
    for i in range(n):
        h, w = size
        img = np.zeros((h, w, 3), np.float64)
        img[:, :w // 2] = 40 + 30 * ((np.arange(h)[:, None, None] // 3) % 2)
        img[:, w // 2:] = 190
        img = np.clip(img + rng.normal(0, 8, img.shape), 0, 255)
        label = np.full((h, w), values[1], np.uint8)
        label[:, :w // 2] = values[0]
        stem = osp.join('sub', f'scene_{i}') if i == 0 else f'scene_{i}'
        if i % 2 == 0:
            cv2.imwrite(osp.join(root, 'images', stem + '.png'), img.astype(np.uint8))
        else:
            tifffile.imwrite(osp.join(root, 'images', stem + '.tif'), (img * 257).astype(np.uint16))
        if with_labels:
            cv2.imwrite(osp.join(root, 'labels', stem + '.png'), label)
    return root


def make_video(path, frames=5, size=(48, 64)):
    """A short MJPG .avi (the codec OpenCV writes without extra libraries)."""
    import cv2
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 5, (size[1], size[0]))
    assert writer.isOpened(), 'OpenCV cannot write MJPG videos here'
    rng = np.random.default_rng(0)
    for _ in range(frames):
        frame = np.zeros(size + (3, ), np.uint8)
        frame[:, :size[1] // 2] = 50
        frame[:, size[1] // 2:] = 200
        writer.write(np.clip(frame + rng.normal(0, 5, frame.shape), 0, 255).astype(np.uint8))
    writer.release()
    return path


def dense_view_batch(n=2, size=32, ignore_all=False):
    """A segmentation training batch of ``n`` random images with IICDenseViews
    pairs (shift <= 4 px), packed as the data loader gives it."""
    import torch

    from mmiic.datasets.transforms import IICDenseViews, PackIICSegInputs
    items = []
    for i in range(n):
        np.random.seed(i)  # IICDenseViews draws from numpy's global generator
        img = np.random.randint(0, 255, (size, size, 3), dtype=np.uint8)
        seg = np.random.randint(0, 3, (size, size)).astype(np.uint8)
        if ignore_all:
            seg[:] = 255
        out = IICDenseViews(max_translation=4)(dict(img=img, gt_seg_map=seg))
        items.append(PackIICSegInputs()(out))
    return dict(inputs=torch.stack([it['inputs'] for it in items]),
                data_samples=[it['data_samples'] for it in items])


WRITERS = {
    'MNISTCluster': make_mnist,
    'CIFAR10Cluster': make_cifar10,
    'CIFAR100Cluster': make_cifar100,
    'STL10Cluster': make_stl10,
    'COCOStuffIICDataset': make_cocostuff,
    'PotsdamIICDataset': make_potsdam,
}
# Data sets that need no files (generated in memory).
NO_FILES = ('TextureMosaicDataset', )


def write_fake_data(dataset_type: str, root: str, num_images: int = 64,
                    image_size: Optional[tuple] = None, seed: int = 0) -> Optional[str]:
    """Write a small random data set in the layout ``dataset_type`` reads.

    Args:
        dataset_type (str): registered type, with or without the ``mmiic.``
            scope (e.g. ``'mmiic.COCOStuffIICDataset'``).
        root (str): folder to write into (the config's ``data_root``).
        num_images (int): images per split (or per CIFAR batch file).
        image_size (tuple, optional): (H, W) of COCO-Stuff images (default
            480 x 640, COCO's usual size) or the side of Potsdam tiles.
        seed (int): random seed.

    Returns:
        str | None: ``root``, or None for data sets that read no files.
    """
    name = dataset_type.split('.')[-1]
    if name in NO_FILES:
        return None
    if name not in WRITERS:
        raise KeyError(f'no fake-data writer for dataset type {dataset_type!r}; known: '
                       f'{sorted(WRITERS) + list(NO_FILES)}')
    if name == 'MNISTCluster':
        return make_mnist(root, n_train=num_images, n_test=num_images, seed=seed)
    if name == 'CIFAR10Cluster':
        return make_cifar10(root, n_per_batch=num_images, seed=seed)
    if name == 'CIFAR100Cluster':
        return make_cifar100(root, n=num_images, seed=seed)
    if name == 'STL10Cluster':
        return make_stl10(root, n=num_images, n_unlabeled=num_images, seed=seed)
    if name == 'COCOStuffIICDataset':
        return make_cocostuff(root, names=num_images, size=tuple(image_size or (480, 640)),
                              seed=seed)
    return make_potsdam(root, n=num_images, side=int(image_size or 200), seed=seed)


__all__ = ['write_idx', 'digit_images', 'write_fake_data', 'WRITERS', 'dense_view_batch'] + [
    f'make_{n}' for n in ('mnist', 'cifar10', 'cifar100', 'stl10', 'cocostuff', 'potsdam',
                          'cluster_folder', 'seg_folder', 'video')]
