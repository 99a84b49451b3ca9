"""Texture mosaics from the real textures shipped with scikit-image.

Each image is a random Voronoi partition (jittered, irregular borders) whose
cells are filled with crops of one texture each: exact per-pixel labels.
Train mosaics are cut from the top ``train_fraction`` of each texture, test
mosaics from the rest, so test pixels were never seen. Each texture is
normalised to the same mean and standard deviation, so grey level alone does
not separate them.
"""
from typing import List, Sequence

import numpy as np
from mmengine.dataset import BaseDataset

from mmiic.registry import DATASETS

TEXTURES = ('brick', 'grass', 'gravel')


def load_textures(names: Sequence[str] = TEXTURES) -> List[np.ndarray]:
    """Grey textures as float32, each normalised to mean 128, std 40."""
    import skimage.data
    textures = []
    for name in names:
        loader = getattr(skimage.data, name, None)
        if loader is None:
            raise ValueError(f'skimage.data has no texture {name!r}')
        tex = loader().astype(np.float32)
        if tex.ndim == 3:
            tex = tex.mean(axis=2)
        textures.append((tex - tex.mean()) / tex.std() * 40 + 128)
    return textures


def make_mosaic(textures: List[np.ndarray], size: int, rng: np.random.Generator,
                rows: slice, num_cells: int = 6) -> tuple:
    """One mosaic ([size, size, 3] uint8) and its labels ([size, size] uint8)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    seeds = rng.uniform(0, size, (num_cells, 2))
    # Random per-cell weights and low-frequency noise give curved, irregular borders.
    weights = rng.uniform(0.7, 1.3, num_cells)
    noise = rng.normal(0, 1, (4, 4)).astype(np.float32)
    import cv2
    wobble = cv2.resize(noise, (size, size), interpolation=cv2.INTER_CUBIC) * size * 0.06
    dist = np.stack([np.hypot(yy - sy, xx - sx) * w for (sy, sx), w in zip(seeds, weights)])
    cell = (dist + wobble[None] * np.arange(num_cells)[:, None, None] / num_cells).argmin(0)
    cell_class = rng.integers(0, len(textures), num_cells)
    first = min(num_cells, len(textures))
    cell_class[:first] = rng.permutation(len(textures))[:first]  # every texture when possible
    labels = cell_class[cell].astype(np.uint8)
    image = np.zeros((size, size), np.float32)
    for c, tex in enumerate(textures):
        part = tex[rows]
        y = rng.integers(0, part.shape[0] - size + 1)
        x = rng.integers(0, part.shape[1] - size + 1)
        image[labels == c] = part[y:y + size, x:x + size][labels == c]
    image = np.clip(image, 0, 255).astype(np.uint8)
    return np.repeat(image[..., None], 3, axis=2), labels


@DATASETS.register_module()
class TextureMosaicDataset(BaseDataset):
    """Procedural texture-mosaic segmentation set (deterministic per seed).

    Args:
        num_images (int): mosaics in the set.
        size (int): side length in pixels.
        split (str): 'train' (top part of every texture) or 'test' (bottom).
        train_fraction (float): share of texture rows used for training.
        textures (Sequence[str]): scikit-image texture names.
        seed (int): generator seed (different per split).
        num_cells (int): Voronoi cells per mosaic (more cells, more borders).
        pipeline, ...: see :class:`mmengine.dataset.BaseDataset`.
    """

    METAINFO = dict(classes=TEXTURES, palette=[[200, 60, 60], [60, 200, 60], [60, 60, 200]])

    def __init__(self,
                 num_images: int = 200,
                 size: int = 128,
                 split: str = 'train',
                 train_fraction: float = 0.6,
                 textures: Sequence[str] = TEXTURES,
                 seed: int = 0,
                 num_cells: int = 6,
                 **kwargs) -> None:
        if split not in ('train', 'test'):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        self.num_images, self.size, self.split = num_images, size, split
        self.train_fraction, self.textures, self.seed = train_fraction, tuple(textures), seed
        self.num_cells = num_cells
        kwargs.setdefault('metainfo', dict(classes=self.textures))
        super().__init__(ann_file='', serialize_data=False, **kwargs)

    def load_data_list(self) -> List[dict]:
        textures = load_textures(self.textures)
        cut = int(textures[0].shape[0] * self.train_fraction)
        rows = slice(0, cut) if self.split == 'train' else slice(cut, None)
        if min(t[rows].shape[0] for t in textures) < self.size:
            raise ValueError(f'mosaic size {self.size} exceeds the {self.split} part of the textures')
        rng = np.random.default_rng(self.seed + (0 if self.split == 'train' else 10_000))
        data_list = []
        for i in range(self.num_images):
            img, seg = make_mosaic(textures, self.size, rng, rows, self.num_cells)
            data_list.append(dict(img=img, gt_seg_map=seg, img_path=f'mosaic_{self.split}_{i}',
                                  seg_fields=['gt_seg_map'], ori_shape=seg.shape,
                                  img_shape=seg.shape, reduce_zero_label=False))
        return data_list
