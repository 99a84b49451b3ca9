"""FLOPs and parameters of an IIC model (mmengine.analysis, works on mmengine 0.10.7).

Counts one inference pass of one image: the data preprocessor's on-device
steps (Sobel filter), the backbone (and neck) and every cluster head and
sub-head, at the heads' own resolution (the segmentor's final upsampling to
the image size is not counted). Works for IICClassifier (mmpretrain scope)
and IICSegmentor (mmseg scope) configs::

    python tools/analysis_tools/get_flops.py CONFIG [--shape H W]

Without ``--shape`` the size is taken from the config: the views'
``out_size`` for image clustering, ``crop_size`` (or 128 x 128) for
segmentation; the channels from ``model.data_preprocessor.in_channels``.
"""
import argparse
from typing import Any, Dict, List, Optional, Tuple

import torch
from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config, DictAction
from mmengine.registry import MODELS, init_default_scope
from torch import nn

import mmiic  # noqa: F401
from mmiic.utils import load_config


class InferencePass(nn.Module):
    """Raw image [N, C, H, W] -> preprocessor -> model 'tensor' mode -> tuple of heads.

    The model's tensor mode returns a dict of heads; the FLOP counter traces
    the module, which needs tensors or tuples as outputs.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        inputs = self.model.data_preprocessor._process(images)
        outputs = self.model(inputs, mode='tensor')
        return tuple(outputs.values()) if isinstance(outputs, dict) else outputs


def _find(node: Any, key: str) -> Optional[Any]:
    """First value of ``key`` in a nested config (dicts and lists)."""
    if isinstance(node, dict):
        if key in node:
            return node[key]
        node = list(node.values())
    if isinstance(node, (list, tuple)):
        for item in node:
            found = _find(item, key)
            if found is not None:
                return found
    return None


def _input_channels(cfg: Config) -> int:
    return cfg.model.get('data_preprocessor', {}).get('in_channels') or 3


def default_input_shape(cfg: Config) -> Tuple[int, int, int]:
    """(C, H, W) of the images the config's model is tested on (or trained on,
    for a config without a test set, such as ``iic_minivgg_folder_seg.py``)."""
    dataloader = cfg.get('test_dataloader') or cfg.train_dataloader
    size = _find(dataloader.dataset.get('pipeline', []), 'out_size')
    if size is None:
        size = cfg.get('crop_size', 128)
    height, width = (size, size) if isinstance(size, int) else tuple(size)
    return _input_channels(cfg), height, width


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Get the FLOPs and parameters of an IIC model')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--shape', type=int, nargs='+', help='input image size: H W, or one side')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file.')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if args.shape:
        if len(args.shape) not in (1, 2):
            raise ValueError(f'--shape takes H W or one side, got {args.shape}')
        channels, (height, width) = _input_channels(cfg), (args.shape * 2)[:2]
    else:
        channels, height, width = default_input_shape(cfg)
    model = MODELS.build(cfg.model)
    model.eval()
    input_shape = (channels, height, width)
    with torch.no_grad():
        result = get_model_complexity_info(InferencePass(model), input_shape=input_shape,
                                           show_table=True, show_arch=False)
    split_line = '=' * 30
    print(result['out_table'])
    print(f'{split_line}\nInput shape: {input_shape}\nFlops: {result["flops_str"]}\n'
          f'Params: {result["params_str"]}\nActivation: {result["activations_str"]}\n{split_line}')
    print('!!!All heads and sub-heads are counted; the upsampling of segmentation outputs to '
          'the image size is not. Check that every op is supported before quoting the numbers.')
    return result


if __name__ == '__main__':
    main()
