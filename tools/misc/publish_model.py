"""Make a training checkpoint ready to share (as mmsegmentation / mmpretrain).

    python tools/misc/publish_model.py work_dirs/run/iter_80000.pth iic_vgg_cocostuff3.pth
    # -> iic_vgg_cocostuff3-<first 8 hex digits of its sha256>.pth

Drops what only resuming a run needs (``optimizer``, ``param_schedulers``,
``message_hub``, ``hook_msgs``) and keeps the weights and buffers
(``state_dict``) and ``meta``, which holds what inference needs beyond the
weights (``dataset_meta``: classes, ``color_type``, ``channel_stats``; the
sub-head the evaluation chose; the config). The published file holds only
tensors and plain Python values, so ``torch.load(..., weights_only=True)``
reads it without mmiic's checkpoint loader. The checkpoint is read with
mmiic's safe loader (``register_checkpoint_loader``: no pickled code runs).
"""
import argparse
import hashlib
import os
import os.path as osp
from typing import List, Optional

import torch
from mmengine.runner import CheckpointLoader

from mmiic.utils import register_checkpoint_loader

TRAINING_STATE = ('optimizer', 'param_schedulers', 'message_hub', 'hook_msgs')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Process a checkpoint to be published')
    parser.add_argument('in_file', help='input checkpoint filename')
    parser.add_argument('out_file', help='output checkpoint filename (the sha256 prefix is '
                        'added before .pth)')
    return parser.parse_args(argv)


def process_checkpoint(in_file: str, out_file: str) -> str:
    """Write the published checkpoint; returns its final path.

    Raises:
        ValueError: if ``in_file`` holds no ``state_dict``.
    """
    register_checkpoint_loader()  # weights_only=True, the message hub allowed
    checkpoint = CheckpointLoader.load_checkpoint(in_file, map_location='cpu')
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint:
        raise ValueError(f'{in_file} is not an mmengine checkpoint (no state_dict)')
    for key in TRAINING_STATE:
        checkpoint.pop(key, None)
    stem = osp.splitext(out_file)[0] if out_file.endswith('.pth') else out_file
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    temp_file = stem + '.publishing.pth'
    torch.save(checkpoint, temp_file)
    with open(temp_file, 'rb') as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    final_file = f'{stem}-{sha[:8]}.pth'
    os.replace(temp_file, final_file)
    return final_file


def main(argv: Optional[List[str]] = None) -> str:
    args = parse_args(argv)
    final_file = process_checkpoint(args.in_file, args.out_file)
    print(f'The published model is saved at {final_file}')
    return final_file


if __name__ == '__main__':
    main()
