"""COCO-Stuff label sets of the IIC benchmarks.

Facts from the COCO-Stuff release: the 182 fine classes (0-based: index =
label-file id - 1; 0-90 "things", 91-181 "stuff") and their grouping into 27
coarse classes (12 thing groups, 15 stuff groups). mmseg's converted
``*_labelTrainIds.png`` maps use 171 train ids: the fine ids without the 11
COCO categories that were never annotated.
"""
from typing import Dict, List, Tuple

import numpy as np

FINE_CLASSES = (
    'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat',
    'traffic light', 'fire hydrant', 'street sign', 'stop sign', 'parking meter', 'bench', 'bird',
    'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe', 'hat',
    'backpack', 'umbrella', 'shoe', 'eye glasses', 'handbag', 'tie', 'suitcase', 'frisbee', 'skis',
    'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard',
    'surfboard', 'tennis racket', 'bottle', 'plate', 'wine glass', 'cup', 'fork', 'knife', 'spoon',
    'bowl', 'banana', 'apple', 'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza',
    'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed', 'mirror', 'dining table', 'window',
    'desk', 'toilet', 'door', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone',
    'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'blender', 'book', 'clock', 'vase',
    'scissors', 'teddy bear', 'hair drier', 'toothbrush', 'hair brush', 'banner', 'blanket',
    'branch', 'bridge', 'building-other', 'bush', 'cabinet', 'cage', 'cardboard', 'carpet',
    'ceiling-other', 'ceiling-tile', 'cloth', 'clothes', 'clouds', 'counter', 'cupboard',
    'curtain', 'desk-stuff', 'dirt', 'door-stuff', 'fence', 'floor-marble', 'floor-other',
    'floor-stone', 'floor-tile', 'floor-wood', 'flower', 'fog', 'food-other', 'fruit',
    'furniture-other', 'grass', 'gravel', 'ground-other', 'hill', 'house', 'leaves', 'light',
    'mat', 'metal', 'mirror-stuff', 'moss', 'mountain', 'mud', 'napkin', 'net', 'paper',
    'pavement', 'pillow', 'plant-other', 'plastic', 'platform', 'playingfield', 'railing',
    'railroad', 'river', 'road', 'rock', 'roof', 'rug', 'salad', 'sand', 'sea', 'shelf',
    'sky-other', 'skyscraper', 'snow', 'solid-other', 'stairs', 'stone', 'straw',
    'structural-other', 'table', 'tent', 'textile-other', 'towel', 'tree', 'vegetable',
    'wall-brick', 'wall-concrete', 'wall-other', 'wall-panel', 'wall-stone', 'wall-tile',
    'wall-wood', 'water-other', 'waterdrops', 'window-blind', 'window-other', 'wood')

# Coarse groups in the order of the 27-class benchmark: 12 thing groups, then 15 stuff groups.
COARSE_GROUPS: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    ('electronic', ('tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone')),
    ('appliance', ('microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'blender')),
    ('food', ('banana', 'apple', 'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza',
              'donut', 'cake')),
    ('furniture', ('chair', 'couch', 'potted plant', 'bed', 'mirror', 'dining table', 'window',
                   'desk', 'toilet', 'door')),
    ('indoor', ('book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
                'hair brush')),
    ('kitchen', ('bottle', 'plate', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl')),
    ('accessory', ('hat', 'backpack', 'umbrella', 'shoe', 'eye glasses', 'handbag', 'tie',
                   'suitcase')),
    ('animal', ('bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra',
                'giraffe')),
    ('outdoor', ('traffic light', 'fire hydrant', 'street sign', 'stop sign', 'parking meter',
                 'bench')),
    ('person', ('person', )),
    ('sports', ('frisbee', 'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat',
                'baseball glove', 'skateboard', 'surfboard', 'tennis racket')),
    ('vehicle', ('bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat')),
    ('ceiling', ('ceiling-tile', 'ceiling-other')),
    ('floor', ('carpet', 'floor-tile', 'floor-wood', 'floor-marble', 'floor-stone', 'floor-other')),
    ('food-stuff', ('fruit', 'salad', 'vegetable', 'food-other')),
    ('furniture-stuff', ('door-stuff', 'desk-stuff', 'table', 'shelf', 'cabinet', 'cupboard',
                         'mirror-stuff', 'counter', 'light', 'stairs', 'furniture-other')),
    ('rawmaterial', ('cardboard', 'paper', 'plastic', 'metal')),
    ('textile', ('rug', 'mat', 'towel', 'napkin', 'clothes', 'cloth', 'curtain', 'blanket',
                 'pillow', 'banner', 'textile-other')),
    ('wall', ('wall-tile', 'wall-panel', 'wall-wood', 'wall-brick', 'wall-stone', 'wall-concrete',
              'wall-other')),
    ('window', ('window-blind', 'window-other')),
    ('building', ('house', 'skyscraper', 'bridge', 'tent', 'roof', 'building-other')),
    ('ground', ('sand', 'snow', 'dirt', 'mud', 'gravel', 'road', 'pavement', 'railroad', 'platform',
                'playingfield', 'ground-other')),
    ('plant', ('grass', 'tree', 'bush', 'leaves', 'flower', 'branch', 'moss', 'straw',
               'plant-other')),
    ('sky', ('clouds', 'sky-other')),
    ('solid', ('wood', 'rock', 'stone', 'mountain', 'hill', 'solid-other')),
    ('structural', ('fence', 'cage', 'net', 'railing', 'structural-other')),
    ('water', ('fog', 'river', 'sea', 'waterdrops', 'water-other')),
)

# Fine ids of the 11 COCO categories without annotations (absent from train ids).
UNANNOTATED_FINE_IDS = (11, 25, 28, 29, 44, 65, 67, 68, 70, 82, 90)

SUBSETS: Dict[str, Tuple[str, ...]] = {
    'cocostuff27': tuple(name for name, _ in COARSE_GROUPS),
    'cocostuff15': tuple(name for name, _ in COARSE_GROUPS[12:]),
    'cocostuff3': ('sky', 'plant', 'ground'),
}


def fine_to_subset_lut(subset: str, ignore_index: int = 255) -> np.ndarray:
    """[256] uint8 lookup table: fine id (0-181, 255 unlabelled) -> subset class id.

    Fine classes outside the subset (e.g. things for COCO-Stuff-15) map to
    ``ignore_index``; ids 182-254 (not COCO-Stuff labels) map to 254 so the
    loader can tell a corrupt label map from an ignored pixel.
    """
    if subset not in SUBSETS:
        raise ValueError(f'unknown COCO-Stuff subset {subset!r}; choose from {sorted(SUBSETS)}')
    lut = np.full(256, 254, dtype=np.uint8)
    lut[:len(FINE_CLASSES)] = ignore_index
    lut[255] = ignore_index
    fine_index = {name: i for i, name in enumerate(FINE_CLASSES)}
    groups = dict(COARSE_GROUPS)
    for cls, group in enumerate(SUBSETS[subset]):
        for name in groups[group]:
            lut[fine_index[name]] = cls
    return lut


def train_id_to_fine() -> np.ndarray:
    """[171] fine id of each of mmseg's COCO-Stuff train ids."""
    return np.array([i for i in range(len(FINE_CLASSES)) if i not in UNANNOTATED_FINE_IDS])


def subset_classes(subset: str) -> List[str]:
    return list(SUBSETS[subset])
