"""Print the whole config after inheritance and --cfg-options (as mmseg/mmpretrain; a
variable such as num_clusters=5 shows in every value computed from it, as the other tools
use it).

    python tools/misc/print_config.py CONFIG [--cfg-options k=v ...] [--save-path FILE]
"""
import argparse
from typing import List, Optional

from mmengine.config import Config, DictAction

from mmiic.utils import load_config


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Print the whole config')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--save-path', help='also write the resolved config here (.py/.json/.yaml)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file.')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> Config:
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    print(f'Config:\n{cfg.pretty_text}')
    if args.save_path is not None:
        cfg.dump(args.save_path)
        print(f'Config saved to {args.save_path}')
    return cfg


if __name__ == '__main__':
    main()
