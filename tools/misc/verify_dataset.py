"""Read every file of a config's data set and list those that cannot be read (as mmpretrain).

    python tools/misc/verify_dataset.py CONFIG [--phase train] [--out-path brokenfiles.log]
        [--num-workers N] [--cfg-options k=v ...]

Builds the ``--phase`` data set with only the loading steps of its pipeline
(the transforms named ``Load*``: images and label maps), loads every sample
and writes the path of each file that fails to ``--out-path``, one per line
(the errors are printed). Folder data sets read all their images when they
are built; here they are built with ``bad_images='skip'``, so their
unreadable images are listed too. Data sets held in memory (MNIST, CIFAR,
STL-10, the texture mosaics) have no files to check. Exits with status 1 if
a file cannot be read.
"""
import argparse
import os.path as osp
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional, Tuple

from mmengine.config import ConfigDict, DictAction
from mmengine.registry import DATASETS, init_default_scope
from mmengine.utils import ProgressBar

import mmiic  # noqa: F401  registers modules
from mmiic.datasets.folder_datasets import ImageFolderClusterDataset, ImageFolderSegDataset
from mmiic.utils.config_loading import load_config, require_test_set, type_name

FOLDER_DATASETS = (ImageFolderClusterDataset.__name__, ImageFolderSegDataset.__name__)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Find the files of a data set that cannot be '
                                     'read')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--out-path', default='brokenfiles.log',
                        help='file listing the broken files, one per line (overwritten)')
    parser.add_argument('--phase', default='train', choices=['train', 'val', 'test'],
                        help='which data loader\'s data set to check')
    parser.add_argument('--num-workers', type=int, default=4,
                        help='threads reading the files (the decoders release the GIL)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file.')
    args = parser.parse_args(argv)
    if args.num_workers < 1:
        parser.error(f'--num-workers must be >= 1, got {args.num_workers}')
    if not osp.isdir(osp.dirname(osp.abspath(args.out_path))):
        parser.error(f'--out-path {args.out_path}: its folder does not exist')
    return args


def loading_only(cfg):
    """A copy of a data set config whose pipelines (also of nested data sets)
    keep only their ``Load*`` steps, with folder data sets told to skip (and
    record) the images they cannot read instead of failing on them."""
    if isinstance(cfg, list):
        return [loading_only(item) for item in cfg]
    if not isinstance(cfg, dict):
        return cfg
    out = ConfigDict({key: loading_only(value) for key, value in cfg.items()})
    if isinstance(out.get('pipeline'), list):
        out['pipeline'] = [t for t in out['pipeline'] if type_name(t).startswith('Load')]
    if 'type' in out and type_name(out) in FOLDER_DATASETS:
        out['bad_images'] = 'skip'
    return out


def leaves(dataset) -> list:
    """The data sets with a pipeline inside (nested) wrappers (ConcatDataset,
    RepeatDataset, ...); each sample of a leaf is checked once."""
    if hasattr(dataset, 'datasets'):
        return [leaf for part in dataset.datasets for leaf in leaves(part)]
    if not hasattr(dataset, 'pipeline') and hasattr(dataset, 'dataset'):
        return leaves(dataset.dataset)
    return [dataset]


def check_sample(dataset, index: int) -> Optional[Tuple[str, str]]:
    """(file, error) if sample ``index`` of ``dataset`` cannot be loaded."""
    info = dataset.get_data_info(index)
    try:
        dataset.pipeline(info)
    except Exception as error:  # any decoder or loader failure is what we look for
        files = [info[key] for key in ('img_path', 'seg_map_path') if info.get(key)]
        # The loaders name the file at fault (an image or its label map).
        culprit = next((f for f in files if f in str(error)), files[0] if files else None)
        return culprit or f'sample {index}', f'{type(error).__name__}: {error}'
    return None


def main(argv: Optional[List[str]] = None) -> List[Tuple[str, str]]:
    args = parse_args(argv)
    # As every tool: variables such as data_root or label_dir reach what is computed from them.
    cfg = load_config(args.config, args.cfg_options)
    loader = cfg.get(f'{args.phase}_dataloader')
    if not loader or not loader.get('dataset'):
        if args.phase == 'test':
            require_test_set(cfg, args.config, 'verify_dataset.py')  # says what to set
        raise ValueError(f'{args.config} has no {args.phase}_dataloader.dataset to check')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset = DATASETS.build(loading_only(loader.dataset))
    broken: List[Tuple[str, str]] = []
    parts = leaves(dataset)
    progress = ProgressBar(sum(len(leaf) for leaf in parts))
    with ThreadPoolExecutor(args.num_workers) as pool:
        for leaf in parts:
            broken += getattr(leaf, 'unreadable_images', [])
            for result in pool.map(lambda i: check_sample(leaf, i), range(len(leaf))):
                if result is not None:
                    broken.append(result)
                progress.update()
    first_error: dict = {}
    for path, error in broken:  # a file once (the tiles of an image share it)
        first_error.setdefault(path, error)
    broken = list(first_error.items())
    with open(args.out_path, 'w') as f:
        f.writelines(f'{path}\n' for path, _ in broken)
    print()
    for path, error in broken:
        print(error if path in error else f'{path}: {error}')
    if broken:
        print(f'{len(broken)} broken file(s) in the {args.phase} data set, listed in '
              f'{args.out_path}')
    else:
        print(f'no broken file in the {args.phase} data set '
              f'({sum(len(leaf) for leaf in parts)} samples)')
    return broken


if __name__ == '__main__':
    sys.exit(1 if main() else 0)
