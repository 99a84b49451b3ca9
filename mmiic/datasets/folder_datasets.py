"""Your own images: a folder for image clustering, a folder for segmentation.

Both read any common format, bit depth and channel count through
:class:`LoadIICImage` (put it first in the pipeline); labels are optional and
used only for evaluation. With ``normalize='data'`` the per-channel mean and
std are computed from the images once, stored in the data set's ``metainfo``
(and so in every checkpoint's ``dataset_meta``, from which
:func:`mmiic.apis.init_model` rebuilds the same loading for new images).

Every image is read once when a folder data set is built, so that a file that
cannot be read stops the run before training with the list of all such files
(or, with ``bad_images='skip'``, is left out with a warning), not in a data
loader worker mid-epoch.
"""
import csv
import os
import os.path as osp
import warnings
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from mmiic.registry import DATASETS
from .transforms.loading import (COLOR_TYPES, IMG_EXTENSIONS, channel_statistics,
                                 convert_channels, image_shape, read_image)

BAD_IMAGE_POLICIES = ('error', 'skip')
# (path, modification time, size, color_type) -> (dtype name, None) or (None, error):
# the train and evaluation sets of one process often share a folder; read it once.
_CHECKED: Dict[Tuple[str, int, int, str], Tuple[Optional[str], Optional[str]]] = {}


def check_image(path: str, color_type: str) -> Tuple[Optional[str], Optional[str]]:
    """Read an image as :class:`LoadIICImage` will.

    Returns:
        tuple: (its dtype name, None) if it can be read, else (None, the error).
    """
    try:
        stat = os.stat(path)
    except OSError as error:
        return None, f'{type(error).__name__}: {error}'
    key = (osp.abspath(path), stat.st_mtime_ns, stat.st_size, color_type)
    if key not in _CHECKED:
        try:
            img = convert_channels(read_image(path), color_type, path)
            _CHECKED[key] = (img.dtype.name, None)
        except (OSError, ValueError) as error:  # read_image names the file and the cause
            _CHECKED[key] = (None, str(error))
    return _CHECKED[key]


def list_images(root: str, extensions: Sequence[str] = IMG_EXTENSIONS,
                exclude: Sequence[str] = ()) -> List[str]:
    """Sorted paths of the image files under ``root`` (recursively).

    Raises:
        FileNotFoundError: naming ``root`` if it is missing.
        ValueError: if it holds no image.
    """
    if not osp.isdir(root):
        raise FileNotFoundError(f'image folder {root} not found')
    excluded = {osp.abspath(e) for e in exclude}
    paths = []
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs[:] = sorted(d for d in dirs if osp.abspath(osp.join(folder, d)) not in excluded)
        paths += [osp.join(folder, f) for f in sorted(files)
                  if f.lower().endswith(tuple(extensions)) and not f.startswith('.')]
    if not paths:
        raise ValueError(f'{root} holds no images (looked recursively for {", ".join(extensions)})')
    return paths


class _FolderDataset(BaseDataset):
    """Shared by both folder data sets: colour handling and channel statistics."""

    def _init_loading(self, color_type: str, normalize: Optional[str],
                      channel_stats: Optional[dict], stats_images: int,
                      bad_images: str) -> None:
        if color_type not in COLOR_TYPES:
            raise ValueError(f'color_type must be one of {COLOR_TYPES}, got {color_type!r}')
        if bad_images not in BAD_IMAGE_POLICIES:
            raise ValueError(f'bad_images must be one of {BAD_IMAGE_POLICIES}, got {bad_images!r}')
        self.bad_images = bad_images
        if normalize not in (None, 'data'):
            raise ValueError(f"normalize must be None or 'data', got {normalize!r}")
        if normalize == 'data' and channel_stats is not None:
            raise ValueError("give either normalize='data' or channel_stats, not both")
        self.color_type, self.normalize = color_type, normalize
        self.channel_stats = dict(channel_stats) if channel_stats is not None else None
        self.stats_images = stats_images

    def _check_images(self, paths: List[str], root: str) -> List[str]:
        """Read every image once; returns the readable ones.

        Raises:
            ValueError: listing every image that cannot be read (with
                ``bad_images='error'``).
        """
        threads = min(4, os.cpu_count() or 1)
        with ThreadPoolExecutor(threads) as pool:
            checked = list(pool.map(lambda p: check_image(p, self.color_type), paths))
        root = osp.normpath(root)
        bad = [(p, error) for p, (_, error) in zip(paths, checked) if error is not None]
        self.unreadable_images = bad  # (path, error) of the images left out
        if bad:
            listing = '\n'.join(f'  {error}' for _, error in bad)
            if self.bad_images == 'error':
                raise ValueError(f'{len(bad)} of the {len(paths)} images under {root} cannot be '
                                 f'read:\n{listing}\nreplace or remove them, or leave them out '
                                 "with bad_images='skip' in the data set's config (or run "
                                 'tools/misc/verify_dataset.py CONFIG)')
            warnings.warn(f'leaving out {len(bad)} of the {len(paths)} images under {root}, '
                          f'which cannot be read (bad_images=\'skip\'):\n{listing}')
        depths = defaultdict(list)
        for path, (dtype, _) in zip(paths, checked):
            if dtype is not None:
                depths[dtype].append(path)
        if len(depths) > 1 and (self.normalize == 'data' or self.channel_stats is not None):
            kinds = '; '.join(f'{dtype}: {len(found)} (e.g. {found[0]})'
                              for dtype, found in sorted(depths.items()))
            warnings.warn(f'the images under {root} mix bit depths ({kinds}) but share one '
                          'per-channel standardisation (normalize=\'data\' or channel_stats) '
                          'of their native values, so one depth is standardised with '
                          'statistics of the other (8-bit images next to 16-bit ones come out '
                          'nearly black). Convert them to one depth, or use normalize=None '
                          '(each image scaled by the range of its own type)')
        if not any(dtype is not None for dtype, _ in checked):
            raise ValueError(f'none of the {len(paths)} images under {root} can be read')
        return [p for p, (dtype, _) in zip(paths, checked) if dtype is not None]

    def _finish_loading(self, paths: List[str]) -> None:
        if self.normalize == 'data' and self.channel_stats is None:
            picked = np.linspace(0, len(paths) - 1, min(self.stats_images, len(paths))).round()
            self.channel_stats = channel_statistics([paths[int(i)] for i in picked],
                                                    self.color_type)
        self._metainfo.update(color_type=self.color_type, channel_stats=self.channel_stats)

    def use_channel_stats(self, channel_stats: Optional[dict]) -> None:
        """Standardise with ``channel_stats`` (e.g. the training's, from a
        checkpoint) instead of the statistics of these images; None scales
        each image by the range of its type."""
        self.channel_stats = dict(channel_stats) if channel_stats is not None else None
        self._metainfo.update(channel_stats=self.channel_stats)

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        info.update(color_type=self.color_type, channel_stats=self.channel_stats)
        return info


def folder_datasets_in(dataset) -> List[_FolderDataset]:
    """The folder data sets in ``dataset`` and its (nested) wrappers
    (``ConcatDataset``'s ``datasets``, ``RepeatDataset``'s ``dataset``, ...)."""
    if isinstance(dataset, _FolderDataset):
        return [dataset]
    if hasattr(dataset, 'datasets'):
        return [leaf for part in dataset.datasets for leaf in folder_datasets_in(part)]
    if hasattr(dataset, 'dataset'):
        return folder_datasets_in(dataset.dataset)
    return []


@DATASETS.register_module()
class ImageFolderClusterDataset(_FolderDataset):
    """A folder of images (searched recursively) for image clustering.

    Images may have any format, size, bit depth and channel count; the
    pipeline (``mmiic.LoadIICImage`` first, then e.g. ``ResizeEdge`` and the
    IIC views) brings them to one size. Labels, used only by the evaluation,
    come from the first-level sub-folder names (``labels='folders'``) or a
    CSV file with the header ``filename,label`` (file names relative to
    ``data_root``; images missing from the CSV stay unlabelled).

    Args:
        data_root (str): the folder.
        labels (str, optional): None, 'folders' or the path of a CSV file.
        classes (Sequence[str], optional): class order; defaults to the
            sorted label names.
        color_type (str): 'color' (RGB), 'grayscale' or 'unchanged'.
        normalize (str, optional): 'data' to standardise each channel with
            statistics of these images (for 16-bit or float data).
        channel_stats (dict, optional): fixed ``mean``/``std`` per channel.
        stats_images (int): images read for the statistics.
        extensions (Sequence[str]): file suffixes taken as images.
        bad_images (str): what to do with images that cannot be read (every
            image is read once when the data set is built): 'error' (the
            default: one error lists them all) or 'skip' (leave them out,
            with a warning listing them).
        pipeline, test_mode, ...: see :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self,
                 data_root: str,
                 labels: Optional[str] = None,
                 classes: Optional[Sequence[str]] = None,
                 color_type: str = 'color',
                 normalize: Optional[str] = None,
                 channel_stats: Optional[dict] = None,
                 stats_images: int = 64,
                 extensions: Sequence[str] = IMG_EXTENSIONS,
                 bad_images: str = 'error',
                 **kwargs) -> None:
        self._init_loading(color_type, normalize, channel_stats, stats_images, bad_images)
        self.labels, self.extensions = labels, tuple(extensions)
        self._classes = tuple(classes) if classes is not None else None
        super().__init__(data_root=data_root, ann_file='', **kwargs)

    def _label_names(self, paths: List[str]) -> Dict[str, str]:
        """Image path -> label name."""
        if self.labels == 'folders':
            names = {}
            for path in paths:
                parts = osp.relpath(path, self.data_root).split(os.sep)
                if len(parts) < 2:
                    raise ValueError(f"{path} lies directly in {self.data_root}; with labels="
                                     "'folders' every image must sit in a sub-folder named "
                                     'after its class')
                names[path] = parts[0]
            return names
        csv_path = self.labels if osp.isabs(self.labels) else osp.join(self.data_root, self.labels)
        if not osp.isfile(csv_path):
            csv_path = self.labels
        if not osp.isfile(csv_path):
            raise FileNotFoundError(f'label file {self.labels} not found')
        by_name = {osp.normpath(osp.relpath(p, self.data_root)): p for p in paths}
        names = {}
        with open(csv_path, newline='') as f:
            reader = csv.DictReader(f)
            if reader.fieldnames is None or not {'filename', 'label'} <= set(reader.fieldnames):
                raise ValueError(f'{csv_path}: expected a header with the columns filename,label; '
                                 f'got {reader.fieldnames}')
            for line, row in enumerate(reader, start=2):
                path = by_name.get(osp.normpath(row['filename']))
                if path is None:
                    raise ValueError(f'{csv_path} line {line}: no image {row["filename"]!r} '
                                     f'under {self.data_root}')
                names[path] = row['label']
        return names

    def load_data_list(self) -> List[dict]:
        found = list_images(self.data_root, self.extensions)
        paths = self._check_images(found, self.data_root)
        if len(paths) < 2:
            raise ValueError(f'{self.data_root} holds one image only ({paths[0]}); clustering '
                             'needs at least two')
        data_list = [dict(img_path=p, main_head_sample=True) for p in paths]
        if self.labels is not None:
            names = self._label_names(found)  # a CSV may name the images left out
            classes = self._classes or tuple(sorted(set(names.values())))
            index = {c: i for i, c in enumerate(classes)}
            for info in data_list:
                name = names.get(info['img_path'])
                if name is None:
                    continue
                if name not in index:
                    raise ValueError(f'{info["img_path"]}: label {name!r} is not one of the '
                                     f'classes {classes}')
                info['gt_label'] = index[name]
            self._metainfo['classes'] = classes
        self._finish_loading(paths)
        return data_list


def _tiles(size: int, tile: int) -> List[int]:
    """Tile starts covering [0, size); the last tile ends at the border."""
    if size <= tile:
        return [0]
    starts = list(range(0, size - tile + 1, tile))
    if starts[-1] + tile < size:
        starts.append(size - tile)
    return starts


@DATASETS.register_module()
class ImageFolderSegDataset(_FolderDataset):
    """A folder of images of any size for unsupervised segmentation.

    Training crops are drawn by the pipeline (``RandomCrop`` + ``Pad``);
    with ``tile_size`` each image larger than a tile (whole-slide images,
    satellite scenes) is cut into tiles, each a sample of its own, read from
    the file when needed. Optional label maps (used only by the evaluation)
    are PNGs with the images' stems (same relative paths) under
    ``label_dir``; ``label_map`` maps their values to class ids (or 255 =
    ignored). Load them with ``mmiic.LoadIICAnnotations`` after
    ``mmiic.LoadIICImage``. The images are searched recursively, leaving out
    the label folder and the folders of ``exclude_dirs``: a training set
    built without ``label_dir`` is given the label folder there, so that its
    label maps are never read as images.

    Args:
        data_root (str): the folder.
        img_dir (str): images sub-folder ('' = ``data_root`` itself; the
            label folder is skipped when it lies inside).
        label_dir (str, optional): label map folder, relative to
            ``data_root`` or absolute.
        exclude_dirs (Sequence[str]): folders (relative to ``data_root`` or
            absolute) whose files are no images of this data set, e.g. the
            label maps' folder for a training set that loads no labels.
            Those that exist are named in the log.
        label_map (dict, optional): label value -> class id (0 ..
            len(classes) - 1, or 255 to ignore). Without it the values are the
            class ids and 255 is ignored.
        classes (Sequence[str], optional): class names (for the metric).
            With ``label_dir`` give ``classes`` or ``label_map`` (the number
            of classes is not guessed from the label maps); with
            ``label_map`` alone they default to 'class 0', 'class 1', ...
        tile_size (int | tuple, optional): (H, W) of the tiles.
        color_type, normalize, channel_stats, stats_images, extensions,
        bad_images: as :class:`ImageFolderClusterDataset`.
    """

    def __init__(self,
                 data_root: str,
                 img_dir: str = '',
                 label_dir: Optional[str] = None,
                 exclude_dirs: Sequence[str] = (),
                 label_map: Optional[dict] = None,
                 classes: Optional[Sequence[str]] = None,
                 tile_size: Optional[Union[int, Sequence[int]]] = None,
                 color_type: str = 'color',
                 normalize: Optional[str] = None,
                 channel_stats: Optional[dict] = None,
                 stats_images: int = 32,
                 extensions: Sequence[str] = IMG_EXTENSIONS,
                 bad_images: str = 'error',
                 **kwargs) -> None:
        if label_dir is not None and label_map is None and classes is None:
            raise ValueError(f'label_dir needs classes or label_map (label_dir={label_dir!r}): '
                             'give the class names, or a label_map from label values to '
                             'class ids')
        self._init_loading(color_type, normalize, channel_stats, stats_images, bad_images)
        self.img_dir, self.label_dir, self.extensions = img_dir, label_dir, tuple(extensions)
        if isinstance(exclude_dirs, str):
            exclude_dirs = [exclude_dirs]
        self.exclude_dirs = [d for d in exclude_dirs if d]
        if isinstance(tile_size, int):
            tile_size = (tile_size, tile_size)
        self.tile_size: Optional[Tuple[int, int]] = tuple(tile_size) if tile_size else None
        self.label_lut, classes = self._label_lut(label_map, classes)
        kwargs.setdefault('metainfo', {})
        kwargs['metainfo'] = dict(kwargs['metainfo'], classes=classes)
        super().__init__(data_root=data_root, ann_file='', serialize_data=False, **kwargs)

    @staticmethod
    def _label_lut(label_map: Optional[dict],
                   classes: Optional[Sequence[str]]) -> Tuple[np.ndarray, tuple]:
        """[65536] lookup table value -> class id; 254 marks values outside the mapping."""
        lut = np.full(1 << 16, 254, dtype=np.uint8)
        if label_map is None:
            if classes is None:
                return lut, ()
            lut[:len(classes)] = np.arange(len(classes))
            lut[255] = 255
            return lut, tuple(classes)
        mapping = {int(k): int(v) for k, v in dict(label_map).items()}
        ids = [v for v in mapping.values() if v != 255]
        num_classes = len(classes) if classes is not None else max(ids, default=-1) + 1
        for value, cls in mapping.items():
            if not 0 <= value < len(lut):
                raise ValueError(f'label_map key {value} is not a valid label value (0-65535)')
            if cls != 255 and not 0 <= cls < num_classes:
                raise ValueError(f'label_map maps {value} to {cls}, outside the class ids '
                                 f'[0, {num_classes}) (255 = ignored)')
            lut[value] = cls
        classes = tuple(classes) if classes is not None else tuple(
            f'class {i}' for i in range(num_classes))
        return lut, classes

    def _abs(self, folder: str) -> str:
        return folder if osp.isabs(folder) else osp.join(self.data_root, folder)

    def load_data_list(self) -> List[dict]:
        img_root = self._abs(self.img_dir)
        label_root = self._abs(self.label_dir) if self.label_dir is not None else None
        if label_root is not None and not osp.isdir(label_root):
            raise FileNotFoundError(f'label folder {label_root} not found')
        excluded = [self._abs(d) for d in self.exclude_dirs]
        for folder in excluded:
            if osp.isdir(folder):
                print_log(f'{type(self).__name__}: leaving out {folder} (exclude_dirs: label '
                          'maps, not images)', logger='current')
        excluded += [label_root] if label_root is not None else []
        paths = self._check_images(list_images(img_root, self.extensions, exclude=excluded),
                                   img_root)
        data_list = []
        for path in paths:
            info = dict(img_path=path, seg_fields=[], reduce_zero_label=False)
            if label_root is not None:
                stem = osp.splitext(osp.relpath(path, img_root))[0]
                seg_path = osp.join(label_root, stem + '.png')
                if not osp.isfile(seg_path):
                    raise FileNotFoundError(f'image {path} has no label map {seg_path}')
                info['seg_map_path'] = seg_path
            if self.tile_size is None:
                data_list.append(info)
                continue
            height, width = image_shape(path)
            tile_h, tile_w = self.tile_size
            for y in _tiles(height, tile_h):
                for x in _tiles(width, tile_w):
                    data_list.append(dict(info, tile_box=(x, y, min(tile_w, width),
                                                          min(tile_h, height))))
        if len(data_list) < 2:
            raise ValueError(f'{img_root} holds one image only ({paths[0]}) and no tiling: '
                             'give more images, or tile_size smaller than the image')
        self._finish_loading(paths)
        return data_list

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        if 'seg_map_path' in info:
            info['label_lut'] = self.label_lut
        return info
