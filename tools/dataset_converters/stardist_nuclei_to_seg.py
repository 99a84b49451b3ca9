"""Write the fluorescence nuclei image shipped in the ``stardist`` wheel as a
labelled segmentation folder.

``stardist`` (BSD-3; installed with ``--no-deps`` outside
site-packages by ``tools/setup_env.sh``, never imported) ships
``stardist/data/images/img2d.tif`` (512x512 uint16, values within 0..255), a
fluorescence microscopy image from the 2018 Data Science Bowl (Caicedo et al.,
Nature Methods 2019), and ``mask2d.tif``, its nucleus instance ids (0 =
background). This script writes the image as 8-bit grey (values kept; an
image above 255 is scaled by its maximum), the instances as two classes
(0 background, 1 nucleus), and holds out the bottom quarter of the rows::

    OUT/images/{train,test}/nuclei.png   OUT/labels/{train,test}/nuclei.png
    OUT/classes.txt                      (background, nucleus)

Read it with ``mmiic.ImageFolderSegDataset(data_root=OUT, img_dir='images/train',
tile_size=128)`` for training and ``img_dir='images/test',
label_dir='labels/test', classes=('background', 'nucleus'), tile_size=128``
for evaluation (a folder of one image needs ``tile_size``).

Usage::

    python tools/dataset_converters/stardist_nuclei_to_seg.py --out data/stardist_nuclei
"""
import argparse
import os.path as osp
import sys

import numpy as np
import tifffile

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from converter_utils import data_wheel_install, package_dir, write_seg_image  # noqa: E402

CLASSES = ('background', 'nucleus')
INSTALL = data_wheel_install('stardist==0.9.2')


def _read_tif(path: str) -> np.ndarray:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found')
    try:
        array = tifffile.imread(path)
    except Exception as e:  # tifffile raises several types for broken files
        raise ValueError(f'{path}: not a readable TIFF ({type(e).__name__}: {e})') from e
    if array.ndim != 2:
        raise ValueError(f'{path}: expected a 2-D image, got shape {array.shape}')
    return array


def convert(out_dir: str, source: str = None) -> dict:
    """Write the folder; returns ``{split: (height, width)}``."""
    source = source or package_dir('stardist', 'data', 'images', install_hint=INSTALL)
    image = _read_tif(osp.join(source, 'img2d.tif'))
    mask = _read_tif(osp.join(source, 'mask2d.tif'))
    if image.shape != mask.shape:
        raise ValueError(f'{source}: img2d.tif {image.shape} and mask2d.tif {mask.shape} differ')
    if image.min() < 0:
        raise ValueError(f'{osp.join(source, "img2d.tif")}: negative intensities')
    if image.max() > 255:
        image = image.astype(np.float64) * 255 / image.max()
    image = np.rint(image).astype(np.uint8)
    return write_seg_image(out_dir, 'nuclei', image, (mask > 0).astype(np.uint8), CLASSES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='data/stardist_nuclei')
    parser.add_argument('--source', help='folder holding img2d.tif and mask2d.tif (default: '
                        'the installed wheel)')
    args = parser.parse_args()
    print(f'wrote the nuclei segmentation folder to {args.out}: {convert(args.out, args.source)}')


if __name__ == '__main__':
    main()
