"""Image clustering data sets in their real on-disk formats.

All follow the unsupervised protocol of the paper: ``splits`` lists the
splits to concatenate (train on train + test, evaluate on the labelled
set). ``held_out`` keeps a fixed random subset of them apart, e.g. to
validate supervised finetuning without looking at the test split. Every
file is validated on load; a bad file raises an error naming it.
"""
import gzip
import os.path as osp
import pickle
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset, force_full_init

from mmiic.registry import DATASETS

# The CIFAR-100 fine label -> superclass ("coarse") map, used when a file
# lacks coarse labels.
CIFAR100_FINE_TO_COARSE = (
    4, 1, 14, 8, 0, 6, 7, 7, 18, 3, 3, 14, 9, 18, 7, 11, 3, 9, 7, 11, 6, 11, 5, 10, 7, 6, 13, 15, 3,
    15, 0, 11, 1, 10, 12, 14, 16, 9, 11, 5, 5, 19, 8, 8, 15, 13, 14, 17, 18, 10, 16, 4, 17, 4, 2, 0,
    17, 4, 18, 17, 10, 3, 2, 12, 12, 16, 12, 1, 9, 19, 2, 10, 0, 1, 16, 12, 9, 13, 15, 13, 16, 19, 2,
    4, 6, 19, 5, 5, 8, 19, 18, 1, 2, 15, 6, 0, 17, 8, 14, 13)

_IDX_DTYPES = {8: np.uint8, 9: np.int8, 11: '>i2', 12: '>i4', 13: '>f4', 14: '>f8'}


def split_held_out(num_images: int, num_held_out: int,
                   seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """Deterministic (rest, held-out) index arrays of ``num_images`` images,
    both sorted: the held-out ones are the first ``num_held_out`` of a
    permutation drawn with ``seed``."""
    order = np.random.default_rng(seed).permutation(num_images)
    return np.sort(order[num_held_out:]), np.sort(order[:num_held_out])


HELD_OUT_KEYS = ('num_images', 'seed', 'keep')


def _check_held_out(held_out: Optional[dict]) -> Optional[dict]:
    if held_out is None:
        return None
    unknown = sorted(set(held_out) - set(HELD_OUT_KEYS))
    if unknown or 'num_images' not in held_out or 'keep' not in held_out:
        raise ValueError(f'held_out must be dict(num_images=..., seed=..., keep=...), got '
                         f'{dict(held_out)}' + (f' (unknown keys {unknown})' if unknown else ''))
    if held_out['keep'] not in ('rest', 'held_out'):
        raise ValueError(f"held_out.keep must be 'rest' (training) or 'held_out' (validation), "
                         f"got {held_out['keep']!r}")
    return {'seed': 0, **held_out}


def _existing(path: str) -> str:
    for candidate in (path, path + '.gz'):
        if osp.isfile(candidate):
            return candidate
    raise FileNotFoundError(f'{path}[.gz] not found')


def _read_bytes(path: str) -> np.ndarray:
    """[N] uint8 contents of a raw binary file, gunzipped if it ends in .gz."""
    if path.endswith('.gz'):
        try:
            with gzip.open(path, 'rb') as f:
                return np.frombuffer(f.read(), dtype=np.uint8)
        except (OSError, EOFError) as e:  # not gzip, or truncated
            raise ValueError(f'{path}: cannot gunzip ({e})') from e
    return np.fromfile(path, dtype=np.uint8)


def read_idx(path: str) -> np.ndarray:
    """Read an IDX file (MNIST format), plain or gzipped, with checks.

    Raises:
        ValueError: naming the file, if the header or size is wrong.
    """
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f'{path}: not an IDX file (bad magic number)')
    ndim = data[3]
    if len(data) < 4 + 4 * ndim:
        raise ValueError(f'{path}: truncated header')
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    body = data[4 + 4 * ndim:]
    if len(body) != expected:
        raise ValueError(f'{path}: expected {expected} data bytes for shape {shape}, '
                         f'found {len(body)} (truncated or corrupt)')
    return np.frombuffer(body, dtype=dtype).reshape(shape)


class ClusterDataset(BaseDataset):
    """In-memory image + label data set; subclasses implement ``load_split``.

    Args:
        data_root (str): folder of the data set's files.
        splits (Sequence[str]): splits to concatenate.
        num_classes (int): labels must lie in [0, num_classes).
        overcluster_only_splits (Sequence[str]): splits that train only the
            overclustering head (``main_head_sample=False``).
        held_out (dict, optional): ``dict(num_images=n, seed=0, keep=...)``:
            n images of the concatenated splits, drawn with ``seed``
            (:func:`split_held_out`), are held out; ``keep='rest'`` keeps
            the others (to train on), ``keep='held_out'`` only those n (to
            validate on). Two data sets with the same n and seed are
            disjoint and together hold every image. Defaults to None (all).
        pipeline, test_mode, ...: see :class:`mmengine.dataset.BaseDataset`.
    """

    default_splits: Tuple[str, ...] = ('train', 'test')
    num_classes_default = 10

    def __init__(self,
                 data_root: str,
                 splits: Optional[Sequence[str]] = None,
                 overcluster_only_splits: Sequence[str] = (),
                 num_classes: Optional[int] = None,
                 held_out: Optional[dict] = None,
                 **kwargs) -> None:
        self.splits = tuple(splits or self.default_splits)
        self.overcluster_only_splits = tuple(overcluster_only_splits)
        self.num_classes = num_classes or self.num_classes_default
        self.held_out = _check_held_out(held_out)
        super().__init__(data_root=data_root, ann_file='', **kwargs)

    def load_split(self, split: str) -> Tuple[np.ndarray, Optional[np.ndarray], str]:
        """Return ([N, H, W(, C)] uint8 images, [N] labels or None, source path)."""
        raise NotImplementedError

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        # Note which samples train the main head before mmengine serialises
        # the data list: reading the flags back later would unpickle every image.
        serialize, self.serialize_data = self.serialize_data, False
        super().full_init()
        self._main_head = np.array([info['main_head_sample'] for info in self.data_list], bool)
        self.serialize_data = serialize
        if serialize:
            self.data_bytes, self.data_address = self._serialize_data()

    @staticmethod
    def _subset_flags(flags: np.ndarray, indices: Union[Sequence[int], int]) -> np.ndarray:
        """``flags`` [N] subset as mmengine subsets the data list: an int keeps
        the first (>= 0) or last (< 0) ``|indices|`` samples, a sequence those
        positions in its order."""
        if isinstance(indices, int):
            return flags[:indices] if indices >= 0 else flags[indices:]
        return flags[np.asarray(list(indices), dtype=np.int64)]

    @force_full_init
    def get_subset_(self, indices: Union[Sequence[int], int]) -> None:
        """In-place subset (see :meth:`BaseDataset.get_subset_`); the
        per-sample head flags follow the samples."""
        flags = self._main_head
        super().get_subset_(indices)
        self._main_head = self._subset_flags(flags, indices)

    @force_full_init
    def get_subset(self, indices: Union[Sequence[int], int]) -> 'ClusterDataset':
        """A subset copy (see :meth:`BaseDataset.get_subset`); the per-sample
        head flags follow the samples."""
        sub = super().get_subset(indices)
        sub._main_head = self._subset_flags(self._main_head, indices)
        return sub

    @force_full_init
    def head_indices(self, head: str) -> np.ndarray:
        """[M] indices of the samples ``head`` trains on (see
        :class:`HeadSubsetSampler`): 'main' skips ``overcluster_only_splits``,
        'overcluster' takes all."""
        if head == 'main':
            return np.flatnonzero(self._main_head)
        if head == 'overcluster':
            return np.arange(len(self._main_head))
        raise ValueError(f"unknown head {head!r}; choose 'main' or 'overcluster'")

    def load_data_list(self) -> List[dict]:
        data_list = []
        for split in self.splits:
            images, labels, source = self.load_split(split)
            if labels is not None:
                if len(labels) != len(images):
                    raise ValueError(f'{source}: {len(images)} images but {len(labels)} labels')
                bad = (labels < 0) | (labels >= self.num_classes)
                if bad.any():
                    raise ValueError(f'{source}: label {int(labels[bad][0])} outside '
                                     f'[0, {self.num_classes}) at index {int(np.argmax(bad))}')
            main = split not in self.overcluster_only_splits
            for i, img in enumerate(images):
                # The files hold RGB; the colour steps and displays read the order here
                # (mmcv's loaders, which record none, give BGR).
                info = dict(img=img, main_head_sample=main, split=split, channel_order='rgb')
                if labels is not None:
                    info['gt_label'] = int(labels[i])
                data_list.append(info)
        if self.held_out is None:
            return data_list
        count = self.held_out['num_images']
        if not 0 < count < len(data_list):
            raise ValueError(f'held_out.num_images={count} of the {len(data_list)} images of '
                             f'splits {self.splits}: hold out at least 1 and keep at least 1')
        rest, held = split_held_out(len(data_list), count, self.held_out['seed'])
        keep = held if self.held_out['keep'] == 'held_out' else rest
        return [data_list[i] for i in keep]


@DATASETS.register_module()
class MNISTCluster(ClusterDataset):
    """MNIST from the standard IDX files (``train-images-idx3-ubyte`` ...,
    optionally ``.gz``) in ``data_root``."""

    _files = {'train': ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
              'test': ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte')}

    def load_split(self, split):
        if split not in self._files:
            raise ValueError(f'unknown MNIST split {split!r}; choose from {sorted(self._files)}')
        img_path = _existing(osp.join(self.data_root, self._files[split][0]))
        label_path = _existing(osp.join(self.data_root, self._files[split][1]))
        images, labels = read_idx(img_path), read_idx(label_path).astype(np.int64)
        if images.ndim != 3:
            raise ValueError(f'{img_path}: expected [N, H, W] images, got shape {images.shape}')
        if len(images) != len(labels):
            raise ValueError(f'{img_path} has {len(images)} images but {label_path} has '
                             f'{len(labels)} labels')
        return images, labels, img_path


def _unpickle(path: str) -> dict:
    try:
        with open(path, 'rb') as f:
            return pickle.load(f, encoding='bytes')
    except FileNotFoundError:
        raise
    except Exception as e:  # corrupt / truncated pickles raise many types
        raise ValueError(f'{path}: cannot read CIFAR pickle ({type(e).__name__}: {e})') from e


def _cifar_images(batch: dict, path: str) -> np.ndarray:
    data = np.asarray(batch.get(b'data', batch.get('data')))
    if data.ndim != 2 or data.shape[1] != 3072:
        raise ValueError(f'{path}: expected data of shape [N, 3072], got {data.shape}')
    return data.astype(np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


@DATASETS.register_module()
class CIFAR10Cluster(ClusterDataset):
    """CIFAR-10 from ``cifar-10-batches-py/{data_batch_1..5,test_batch}``
    (python pickles) under ``data_root``."""

    folder = 'cifar-10-batches-py'

    def load_split(self, split):
        names = {'train': [f'data_batch_{i}' for i in range(1, 6)], 'test': ['test_batch']}
        if split not in names:
            raise ValueError(f'unknown CIFAR-10 split {split!r}; choose from {sorted(names)}')
        images, labels = [], []
        for name in names[split]:
            path = osp.join(self.data_root, self.folder, name)
            batch = _unpickle(path)
            images.append(_cifar_images(batch, path))
            labels.append(np.asarray(batch[b'labels'], dtype=np.int64))
        return np.concatenate(images), np.concatenate(labels), osp.join(self.data_root, self.folder)


@DATASETS.register_module()
class CIFAR100Cluster(ClusterDataset):
    """CIFAR-100 from ``cifar-100-python/{train,test}`` pickles.

    Args:
        coarse (bool): use the 20 superclasses (CIFAR-100-20, the paper's
            benchmark) instead of the 100 fine classes. Defaults to True.
    """

    folder = 'cifar-100-python'

    def __init__(self, data_root: str, coarse: bool = True, **kwargs) -> None:
        self.coarse = coarse
        kwargs.setdefault('num_classes', 20 if coarse else 100)
        super().__init__(data_root, **kwargs)

    def load_split(self, split):
        if split not in ('train', 'test'):
            raise ValueError(f"unknown CIFAR-100 split {split!r}; choose from ['test', 'train']")
        path = osp.join(self.data_root, self.folder, split)
        batch = _unpickle(path)
        fine = np.asarray(batch[b'fine_labels'], dtype=np.int64)
        if not self.coarse:
            return _cifar_images(batch, path), fine, path
        if b'coarse_labels' in batch:
            labels = np.asarray(batch[b'coarse_labels'], dtype=np.int64)
        else:
            if fine.min() < 0 or fine.max() >= 100:
                raise ValueError(f'{path}: fine label outside [0, 100)')
            labels = np.asarray(CIFAR100_FINE_TO_COARSE)[fine]
        return _cifar_images(batch, path), labels, path


@DATASETS.register_module()
class STL10Cluster(ClusterDataset):
    """STL-10 from ``stl10_binary/{train,test,unlabeled}_X.bin`` (+ ``_y.bin``),
    each plain or gzipped (``.gz``).

    Images are stored as uint8 [N, 3, 96, 96] in column-major order and
    labels as uint8 1..10. The ``unlabeled`` split (100k images) has no
    labels; list it in ``overcluster_only_splits`` so only the
    overclustering head trains on it, as in the paper.
    """

    folder = 'stl10_binary'
    side = 96

    def load_split(self, split):
        if split not in ('train', 'test', 'unlabeled'):
            raise ValueError(f"unknown STL-10 split {split!r}; choose from "
                             "['test', 'train', 'unlabeled']")
        path = _existing(osp.join(self.data_root, self.folder, f'{split}_X.bin'))
        raw = _read_bytes(path)
        per_image = 3 * self.side * self.side
        if raw.size % per_image:
            raise ValueError(f'{path}: size {raw.size} is not a multiple of {per_image} '
                             '(truncated or corrupt)')
        images = raw.reshape(-1, 3, self.side, self.side).transpose(0, 3, 2, 1)
        if split == 'unlabeled':
            return images, None, path
        label_path = _existing(osp.join(self.data_root, self.folder, f'{split}_y.bin'))
        labels = _read_bytes(label_path).astype(np.int64) - 1
        return images, labels, label_path
