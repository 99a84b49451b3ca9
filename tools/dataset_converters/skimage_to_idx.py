"""Write real images shipped inside scikit-image as IDX clustering sets.

Two sets, from files in ``skimage/data`` (installed with the package, no
download):

- ``textures``: 28x28 grey patches of three real texture photographs,
  ``brick.png``, ``grass.png`` and ``gravel.png`` (512x512 each), one class
  per photograph. Each photograph is halved (area averaging, so a patch
  covers 56x56 original pixels), then cut into patches every 7 pixels; the
  top 3/4 of each photograph gives the train patches, the bottom 1/4 the
  t10k patches, so no test patch shares a pixel with a train patch. Grey
  levels are left as photographed: 2,376 train and 594 t10k patches.
- ``lfw``: ``lfw_subset.npy``, 200 grey 25x25 crops from Labeled Faces in
  the Wild: 100 faces, then 100 non-faces cut from the same photographs'
  backgrounds; resized to 28x28 (bilinear). 1/7 of each class is held out
  with a fixed seed: 172 train, 28 t10k.

Usage::

    python tools/dataset_converters/skimage_to_idx.py textures --out data/skimage_textures
    python tools/dataset_converters/skimage_to_idx.py lfw --out data/lfw_faces
"""
import argparse
import os.path as osp
import sys

import cv2
import numpy as np

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from converter_utils import package_dir, stratified_test_mask, write_cluster_set  # noqa: E402

TEXTURES = ('brick', 'grass', 'gravel')
PATCH, STRIDE, TEST_FRACTION = 28, 7, 0.25
INSTALL = 'pip install scikit-image'


def _read_grey(path: str) -> np.ndarray:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found')
    image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError(f'{path}: not a readable image')
    if image.ndim == 3:
        image = cv2.cvtColor(image[..., :3], cv2.COLOR_BGR2GRAY)
    if image.dtype != np.uint8:
        raise ValueError(f'{path}: expected an 8-bit image, got {image.dtype}')
    return image


def _patches(region: np.ndarray) -> np.ndarray:
    """[M, 28, 28] patches of ``region`` every STRIDE pixels, row-major."""
    height, width = region.shape
    return np.stack([region[y:y + PATCH, x:x + PATCH]
                     for y in range(0, height - PATCH + 1, STRIDE)
                     for x in range(0, width - PATCH + 1, STRIDE)])


def texture_set(source: str) -> tuple:
    """([N, 28, 28] uint8 patches, [N] labels, [N] test flags)."""
    images, labels, test = [], [], []
    for cls, name in enumerate(TEXTURES):
        photo = _read_grey(osp.join(source, name + '.png'))
        half = cv2.resize(photo, (photo.shape[1] // 2, photo.shape[0] // 2),
                          interpolation=cv2.INTER_AREA)
        split_row = half.shape[0] - int(round(TEST_FRACTION * half.shape[0]))
        if split_row < PATCH or half.shape[0] - split_row < PATCH:
            raise ValueError(f'{osp.join(source, name)}.png: {photo.shape} is too small for '
                             f'{PATCH}x{PATCH} patches of its halved train and test parts')
        for is_test, region in ((False, half[:split_row]), (True, half[split_row:])):
            patches = _patches(region)
            images.append(patches)
            labels.append(np.full(len(patches), cls))
            test.append(np.full(len(patches), is_test))
    return np.concatenate(images), np.concatenate(labels), np.concatenate(test)


def lfw_set(source: str, seed: int = 0) -> tuple:
    """([200, 28, 28] uint8, [200] labels (0 face, 1 non-face), [200] test flags)."""
    path = osp.join(source, 'lfw_subset.npy')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found')
    crops = np.load(path, allow_pickle=False)
    if crops.ndim != 3 or len(crops) % 2:
        raise ValueError(f'{path}: expected [2n, H, W] crops (n faces, then n non-faces), got '
                         f'{crops.shape}')
    if crops.dtype.kind == 'f':  # the file holds floats in [0, 1]
        crops = np.clip(np.rint(crops * 255), 0, 255)
    crops = crops.astype(np.uint8)
    images = np.stack([cv2.resize(c, (28, 28), interpolation=cv2.INTER_LINEAR) for c in crops])
    labels = np.repeat([0, 1], len(crops) // 2)
    return images, labels, stratified_test_mask(labels, 1 / 7, seed)


SETS = {'textures': (texture_set, TEXTURES), 'lfw': (lfw_set, ('face', 'non-face'))}


def convert(name: str, out_dir: str, source: str = None) -> dict:
    """Write set ``name`` ('textures' or 'lfw'); returns the images per split."""
    if name not in SETS:
        raise ValueError(f'unknown set {name!r}; choose from {sorted(SETS)}')
    source = source or package_dir('skimage', 'data', install_hint=INSTALL)
    build, classes = SETS[name]
    images, labels, test = build(source)
    return write_cluster_set(out_dir, images, labels, test, classes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('set', choices=sorted(SETS))
    parser.add_argument('--out', required=True)
    parser.add_argument('--source', help="folder of scikit-image's data files (default: the "
                        'installed skimage/data)')
    args = parser.parse_args()
    counts = convert(args.set, args.out, args.source)
    print(f'wrote the {args.set} IDX files to {args.out}: {counts}')


if __name__ == '__main__':
    main()
