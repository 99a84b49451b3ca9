"""Refuse a prescaled data set root that is not the copy the config expects.

:func:`mmiic.analysis.shrink_dataset` (command line:
``tools/dataset_converters/shrink_seg_dataset.py``) writes copies of
segmentation data sets shrunk once to their training scale and records the
scale in ``prescaled.json`` at the copy's root; a data set built with
``prescaled=s`` (see :class:`mmiic.datasets.COCOStuffIICDataset`) refuses a
root without that record, with another scale, or written by the earlier,
lossy version of the tool, so a config that trains at ``scale_factor=1`` on a
copy can never train on the originals at 3x the intended scale, or on
re-encoded pixels, without saying so.
"""
import json
import os.path as osp
from typing import Optional

PRESCALED_INFO = 'prescaled.json'
# Recorded in PRESCALED_INFO: images are stored losslessly (JPEGs as PNGs).
STORAGE = 'lossless'


def check_prescaled(data_root: Optional[str], scale: float) -> None:
    """Raise unless ``data_root`` is a copy :func:`mmiic.analysis.shrink_dataset` wrote at
    ``scale``."""
    if not data_root:
        raise ValueError(f'a data set with prescaled={scale!r} needs data_root: the folder '
                         'shrink_seg_dataset.py wrote')
    path = osp.join(data_root, PRESCALED_INFO)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path} not found: this data set expects a copy shrunk to scale {scale!r} '
            f'(tools/dataset_converters/shrink_seg_dataset.py writes it); {data_root} looks like '
            'the original files, which it would train on at the wrong scale. Shrink them, or '
            'use the config that resizes on the fly')
    with open(path) as f:
        info = json.load(f)
    recorded = info.get('scale')
    if not isinstance(recorded, (int, float)) or abs(recorded - scale) > 1e-6:
        raise ValueError(f'{path}: the copy was shrunk to scale {recorded!r}, the config expects '
                         f'{scale!r} (prescaled)')
    if info.get('images') != STORAGE:
        raise ValueError(f'{path}: the copy was written by an earlier shrink_seg_dataset.py, which '
                         're-encoded JPEGs lossily (training would read other pixels than the '
                         'test pipeline); write the copy again')


__all__ = ['PRESCALED_INFO', 'STORAGE', 'check_prescaled']
