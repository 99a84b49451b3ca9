"""The views of every view step, pinned to the numbers the code drew before issue 20's
refactor (commit 5a5fb56: view steps with their own draws, two seeding schemes).

The parity tests between the CPU and device paths hold by construction since each step
defines its draws once; these fingerprints (sum, sum of squares, a position-weighted sum of
each array) catch a change of the draw order, of a matrix or of the seeding of either path.
"""
import numpy as np
import torch
from mmengine.registry import init_default_scope

from mmiic.datasets.transforms import IICDenseViews, PackIICSegInputs
from mmiic.models.data_preprocessors import IICBatchDenseViews, IICBatchPairedViews
from mmiic.registry import TRANSFORMS

VIEW = [dict(type='mmiic.IICCenterCropResize', crop_size=20, out_size=24)]
PAIR = [
    dict(type='mmiic.IICRandomCropResize', crop_sizes=(16, 20), out_size=24),
    dict(type='mmiic.IICRandomHorizontalFlip', prob=0.5),
    dict(type='mmiic.IICRandomRotation', max_angle=25.0, prob=0.5),
    dict(type='mmiic.IICRandomAffine', max_rotation=10, scale_range=(0.9, 1.1), max_translation=2),
    dict(type='mmiic.IICRandomColorJitter', brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1),
    dict(type='mmiic.IICRandomGreyscale', prob=0.5),
]
DENSE = dict(hflip_prob=0.5, vflip_prob=0.5, max_rotation=20, scale_range=(0.8, 1.2), max_shear=5,
             max_translation=6, border='reflect',
             jitter=dict(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.05))
GOLDEN = {
    "cpu_dense": {
        "gt_seg_map": [
            1166.0,
            1928.0,
            55668.0
        ],
        "img": [
            443712.0,
            76218090.0,
            21347067.0
        ],
        "img_t": [
            397479.0,
            50248275.0,
            18785465.0
        ],
        "valid_mask": [
            1152.0,
            1152.0,
            54786.0
        ],
        "valid_mask_t": [
            1013.0,
            1013.0,
            47469.0
        ],
        "view_affine": [
            28.993,
            799.45,
            144.34
        ]
    },
    "cpu_paired_0": [
        761802.0,
        92531202.0,
        36508346.0
    ],
    "cpu_paired_7": [
        710006.0,
        87726532.0,
        33993630.0
    ],
    "device_dense": [
        [
            1661081.954,
            250702549.63,
            79724494.76
        ],
        [
            38.433,
            1202.42,
            94.22
        ],
        [
            1152.0,
            1152.0,
            54786.0
        ],
        [
            802.0,
            802.0,
            39031.0
        ],
        [
            22.715,
            1161.39,
            22.69
        ],
        [
            1152.0,
            1152.0,
            54786.0
        ],
        [
            1084.0,
            1084.0,
            51559.0
        ]
    ],
    "device_paired": [
        [
            3147409.614,
            457991675.46,
            152108752.31
        ],
        [
            3380377.806,
            519348312.98,
            162617706.83
        ]
    ]
}


def _fingerprint(array):
    a = array.detach().cpu().numpy() if torch.is_tensor(array) else np.asarray(array)
    a = a.astype(np.float64).ravel()
    weights = np.arange(a.size) % 97
    return [float(a.sum()), float((a * a).sum()), float((a * weights).sum())]


def _check(array, expected):
    # Exact for 8-bit views; float outputs of the device path within rounding.
    np.testing.assert_allclose(_fingerprint(array), expected, rtol=1e-6, atol=1e-2)


def test_views_are_those_of_before_the_refactor():
    init_default_scope('mmiic')
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (28, 28, 3), dtype=np.uint8)
    paired = TRANSFORMS.build(dict(type='mmiic.IICPairedViews', view_pipeline=VIEW,
                                   pair_pipeline=PAIR, num_repeats=3, seed=0))
    for idx in (0, 7):
        out = paired(dict(img=img.copy(), sample_idx=idx))
        _check(np.stack([out['img']] + out['img_views']), GOLDEN[f'cpu_paired_{idx}'])
    np.random.seed(3)
    grey = np.repeat(rng.integers(0, 256, (32, 36, 1), dtype=np.uint8), 3, 2)
    out = IICDenseViews(**DENSE)(dict(img=grey, gt_seg_map=rng.integers(0, 3, (32, 36)).astype(
        np.uint8)))
    for key, expected in GOLDEN['cpu_dense'].items():
        _check(out[key], expected)
    images = torch.from_numpy(rng.integers(0, 256, (4, 3, 28, 28), dtype=np.uint8))
    views = IICBatchPairedViews(VIEW, PAIR, num_repeats=3, seed=5)
    for expected in GOLDEN['device_paired']:  # two steps
        _check(views(images)[0], expected)
    items = []
    for _ in range(2):
        seg = rng.integers(0, 3, (32, 36)).astype(np.uint8)
        img = rng.integers(0, 256, (32, 36, 3), dtype=np.uint8)
        items.append(PackIICSegInputs()(dict(img=img, gt_seg_map=seg)))
    pairs, samples = IICBatchDenseViews(**DENSE, seed=5)(
        torch.stack([it['inputs'] for it in items]), [it['data_samples'] for it in items])
    got = [pairs] + [getattr(s, k) for s in samples
                     for k in ('view_affine', 'valid_mask', 'valid_mask_t')]
    for array, expected in zip(got, GOLDEN['device_dense'], strict=True):
        _check(array, expected)
