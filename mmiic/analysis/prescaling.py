"""Copies of segmentation data sets shrunk once to their training scale.

Decoding dominates the CPU cost of a training sample when the views are made
on the GPU: a 640 x 480 COCO-Stuff JPEG and its label PNG take a few ms per
sample, the same pair shrunk to the 1/3 the COCO-Stuff configs train at about
0.5 ms. :func:`shrink_dataset` does the shrinking once
(``tools/dataset_converters/shrink_seg_dataset.py`` is its command line):
JPEGs through ``LoadResizedImage`` (what the on-the-fly pipeline and the test
pipeline do: full decoding, then bilinear), other images bilinearly,
labels nearest-neighbour, to the size mmcv's ``Resize(scale_factor=s,
keep_ratio=True)`` gives (``int(side * s + 0.5)``). Folder layout and file
names stay the same, but JPEGs are stored as lossless PNGs (``<name>.png``):
re-encoded as JPEGs (quality 95) they differed from the test pipeline's
pixels by 1.4-2.1 grey levels and had 0.2-1.3 % larger Sobel magnitudes on
photographs; now training reads exactly the test pipeline's pixels. Other
formats are kept (they are lossless). Labels are read as
``LoadIICAnnotations`` reads them (pillow: palette PNGs give their indices).
Files that are not images are named and skipped.

The copy records its scale in ``prescaled.json`` at its root, which
:func:`mmiic.datasets.prescaling.check_prescaled` reads when a data set is
built with ``prescaled=s``.
"""
import json
import os
import os.path as osp
import shutil
from functools import partial
from typing import List, Sequence, Tuple

import cv2
import mmcv
from mmengine.utils import track_parallel_progress, track_progress

from mmiic.datasets.prescaling import PRESCALED_INFO, STORAGE
from mmiic.datasets.transforms import LoadResizedImage
from mmiic.datasets.transforms.reduced_loading import resized_size

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff')
LOSSY_SUFFIXES = ('.jpg', '.jpeg')


def copy_name(path: str) -> str:
    """Where an image is stored in the copy: JPEGs as ``<name>.png``."""
    stem, suffix = osp.splitext(path)
    return stem + '.png' if suffix.lower() in LOSSY_SUFFIXES else path


def shrink_file(job: Tuple[str, str], scale: float, label: bool) -> None:
    """Shrink one image or label map ``job = (source, destination)``."""
    src, dst = job
    if not label and src.lower().endswith(LOSSY_SUFFIXES):
        # Exactly what the on-the-fly and test pipelines make of it (decoding + bilinear).
        img = LoadResizedImage(scale_factor=scale)(dict(img_path=src))['img']
        if dst.lower().endswith(LOSSY_SUFFIXES):
            raise ValueError(f'{dst}: the copy stores JPEGs losslessly, as {copy_name(dst)}')
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
    ok = cv2.imwrite(dst, img)  # same name and format as the original, JPEGs as PNGs
    if not ok:
        raise OSError(f'cannot write {dst}')


def list_jobs(src_root: str, dst_root: str, folder: str,
              label: bool = False) -> List[Tuple[str, str]]:
    """(source, destination) of every image under ``folder`` (other files are
    named and skipped); images (not labels) are stored as :func:`copy_name`
    says."""
    src_dir = osp.join(src_root, folder)
    if not osp.isdir(src_dir):
        raise FileNotFoundError(f'{src_dir} not found')
    jobs, skipped = [], []
    for parent, _, names in os.walk(src_dir, followlinks=True):
        for name in sorted(names):
            src = osp.join(parent, name)
            if name.lower().endswith(IMAGE_SUFFIXES):
                dst = osp.join(dst_root, osp.relpath(src, src_root))
                jobs.append((src, dst if label else copy_name(dst)))
            else:
                skipped.append(src)
    if skipped:
        print(f'{folder}: skipped {len(skipped)} files that are not images, e.g. {skipped[0]}')
    if not jobs:
        raise FileNotFoundError(f'no images ({", ".join(IMAGE_SUFFIXES)}) under {src_dir}')
    return sorted(jobs)


def shrink_dataset(src_root: str,
                   dst_root: str,
                   scale: float,
                   image_dirs: Sequence[str] = (),
                   label_dirs: Sequence[str] = (),
                   copy: Sequence[str] = (),
                   nproc: int = 1) -> str:
    """Write the copy of ``src_root`` shrunk by ``scale`` to ``dst_root``.

    Args:
        src_root, dst_root (str): data set root and where the copy goes.
        scale (float): in (0, 1].
        image_dirs, label_dirs (Sequence[str]): folders under ``src_root``
            (JPEG images are stored as PNGs, see :func:`copy_name`).
        copy (Sequence[str]): folders or files copied unchanged.
        nproc (int): worker processes.

    Returns:
        str: ``dst_root`` (with its ``prescaled.json``).
    """
    if not 0 < scale <= 1:
        raise ValueError(f'scale must lie in (0, 1], got {scale}')
    if osp.abspath(src_root) == osp.abspath(dst_root):
        raise ValueError('dst_root must differ from src_root (the originals stay untouched)')
    if not image_dirs and not label_dirs:
        raise ValueError('give image and/or label folders')
    for folders, label in ((image_dirs, False), (label_dirs, True)):
        for folder in folders:
            jobs = list_jobs(src_root, dst_root, folder, label)
            print(f'{folder}: {len(jobs)} files -> {osp.join(dst_root, folder)}', flush=True)
            work = partial(shrink_file, scale=scale, label=label)
            if nproc > 1:
                track_parallel_progress(work, jobs, nproc)
            else:
                track_progress(work, jobs)
    for item in copy:
        src, dst = osp.join(src_root, item), osp.join(dst_root, item)
        if osp.isdir(src):
            shutil.copytree(src, dst, dirs_exist_ok=True)
        elif osp.isfile(src):
            os.makedirs(osp.dirname(dst) or '.', exist_ok=True)
            shutil.copy(src, dst)
        else:
            raise FileNotFoundError(f'copy {item}: {src} not found')
    with open(osp.join(dst_root, PRESCALED_INFO), 'w') as f:
        json.dump(dict(scale=scale, source=osp.abspath(src_root), image_dirs=list(image_dirs),
                       label_dirs=list(label_dirs), images=STORAGE), f, indent=2)
    return dst_root


def shrink_dataset_cfg(dataset: dict, dst_root: str, scale: float, nproc: int = 1) -> str:
    """:func:`shrink_dataset` of the files an mmseg-style data set config
    reads: ``data_prefix.img_path`` (images), ``data_prefix.seg_map_path``
    (labels, if given) and ``ann_file`` (copied, if given), under its
    ``data_root``.

    Returns:
        str: ``dst_root``.
    """
    prefix = dataset.get('data_prefix') or {}
    if not prefix.get('img_path'):
        raise KeyError(f'data set {dataset.get("type")}: data_prefix.img_path is needed to know '
                       'which folder holds the images')
    labels = [prefix['seg_map_path']] if prefix.get('seg_map_path') else []
    extra = [dataset['ann_file']] if dataset.get('ann_file') else []
    return shrink_dataset(dataset['data_root'], dst_root, scale, [prefix['img_path']], labels,
                          extra, nproc)


__all__ = ['IMAGE_SUFFIXES', 'copy_name', 'list_jobs', 'shrink_dataset', 'shrink_dataset_cfg',
           'shrink_file']
