"""Random image transforms that build the views of IIC image clustering.

Each works on ``results['img']`` ([H, W] or [H, W, C] uint8) with numpy's
global random state (seeded per worker by mmengine) and records what it
drew under ``results['view_params'][<transform>]``. The maths is shared with
the batched device views (:mod:`mmiic.models.data_preprocessors.batch_views`):
matrices from :mod:`.geometry`, colour maps from :mod:`.photometric`.
"""
from typing import Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmiic.registry import TRANSFORMS
from mmiic.visualization import channel_order_of
from .geometry import random_affine, rotation_matrix, warp
from .photometric import jitter_image, luma_weights


def _record(results: dict, name: str, **params) -> None:
    results.setdefault('view_params', {})[name] = params


def _resize(img: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    out = cv2.resize(img, (size[1], size[0]), interpolation=cv2.INTER_LINEAR)
    return out.reshape(size + img.shape[2:])


def _pair(size: Union[int, Sequence[int]]) -> Tuple[int, int]:
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


@TRANSFORMS.register_module()
class IICRandomCropResize(BaseTransform):
    """Crop a random square of one of ``crop_sizes`` and resize it.

    Args:
        crop_sizes (Sequence[int]): side lengths to draw from.
        out_size (int | tuple): output (H, W).
    """

    def __init__(self, crop_sizes: Sequence[int], out_size: Union[int, Sequence[int]]) -> None:
        self.crop_sizes = list(crop_sizes)
        self.out_size = _pair(out_size)

    def transform(self, results: dict) -> dict:
        img = results['img']
        h, w = img.shape[:2]
        side = int(np.random.choice(self.crop_sizes))
        if side > min(h, w):
            raise ValueError(f'crop size {side} exceeds image {h}x{w} '
                             f'({results.get("img_path", "in memory")})')
        y, x = np.random.randint(0, h - side + 1), np.random.randint(0, w - side + 1)
        results['img'] = _resize(img[y:y + side, x:x + side], self.out_size)
        _record(results, 'crop', box=(x, y, side, side))
        return results


@TRANSFORMS.register_module()
class IICCenterCropResize(BaseTransform):
    """Crop the central ``crop_size`` square and resize it to ``out_size``."""

    def __init__(self, crop_size: int, out_size: Union[int, Sequence[int]]) -> None:
        self.crop_size = crop_size
        self.out_size = _pair(out_size)

    def transform(self, results: dict) -> dict:
        img = results['img']
        h, w = img.shape[:2]
        if self.crop_size > min(h, w):
            raise ValueError(f'crop size {self.crop_size} exceeds image {h}x{w} '
                             f'({results.get("img_path", "in memory")})')
        y, x = (h - self.crop_size) // 2, (w - self.crop_size) // 2
        results['img'] = _resize(img[y:y + self.crop_size, x:x + self.crop_size], self.out_size)
        _record(results, 'crop', box=(x, y, self.crop_size, self.crop_size))
        return results


@TRANSFORMS.register_module()
class IICRandomHorizontalFlip(BaseTransform):
    """Mirror left-right with probability ``prob``."""

    def __init__(self, prob: float = 0.5) -> None:
        self.prob = prob

    def transform(self, results: dict) -> dict:
        flip = bool(np.random.rand() < self.prob)
        if flip:
            results['img'] = np.ascontiguousarray(results['img'][:, ::-1])
        _record(results, 'flip', flipped=flip)
        return results


@TRANSFORMS.register_module()
class IICRandomRotation(BaseTransform):
    """Rotate by a uniform angle in [-max_angle, max_angle] degrees (zero fill)
    with probability ``prob``; positive angles turn counter-clockwise."""

    def __init__(self, max_angle: float = 25.0, prob: float = 1.0) -> None:
        self.max_angle = max_angle
        self.prob = prob

    def transform(self, results: dict) -> dict:
        angle = float(np.random.uniform(-self.max_angle, self.max_angle))
        if np.random.rand() >= self.prob:
            angle = 0.0
        if angle:
            img = results['img']
            matrix = rotation_matrix(np.array([angle]), *img.shape[:2])[0]
            results['img'] = warp(img, matrix, border='constant')
        _record(results, 'rotation', angle=angle)
        return results


@TRANSFORMS.register_module()
class IICRandomAffine(BaseTransform):
    """Random rotation, scale, shear and translation about the centre (zero fill).

    Args:
        max_rotation (float): degrees. max_shear (float): degrees.
        scale_range (tuple): scale factors. max_translation (float): pixels.
    """

    def __init__(self,
                 max_rotation: float = 0.0,
                 scale_range: Sequence[float] = (1.0, 1.0),
                 max_shear: float = 0.0,
                 max_translation: float = 0.0) -> None:
        self.args = dict(max_rotation=max_rotation, scale_range=tuple(scale_range),
                         max_shear=max_shear, max_translation=max_translation)

    def transform(self, results: dict) -> dict:
        img = results['img']
        matrix = random_affine(*img.shape[:2], hflip_prob=0.0, **self.args)
        results['img'] = warp(img, matrix, border='constant')
        _record(results, 'affine', matrix=matrix.round(4).tolist())
        return results


@TRANSFORMS.register_module()
class IICRandomColorJitter(BaseTransform):
    """Jitter brightness, contrast, saturation and hue (like torchvision).

    Factors are drawn uniformly from [1 - x, 1 + x] (hue: shift in
    [-hue, hue] of a full turn, a rotation about the grey axis) and applied
    in random order, with the colour maps of
    :mod:`mmiic.datasets.transforms.photometric` (shared with the device
    views). Saturation and hue apply to 3-channel images only, on their
    true colours: the channel order is the one the pipeline records in
    ``results['channel_order']`` ('rgb' or 'bgr'; mmcv's
    ``LoadImageFromFile`` records none and gives BGR).
    """

    def __init__(self,
                 brightness: float = 0.0,
                 contrast: float = 0.0,
                 saturation: float = 0.0,
                 hue: float = 0.0) -> None:
        if not 0 <= hue <= 0.5:
            raise ValueError(f'hue must lie in [0, 0.5], got {hue}')
        self.brightness, self.contrast = brightness, contrast
        self.saturation, self.hue = saturation, hue

    def active_steps(self, channels: int) -> list:
        """Ids of the steps that can change an image of ``channels`` channels."""
        strengths = (self.brightness, self.contrast, self.saturation if channels == 3 else 0,
                     self.hue if channels == 3 else 0)
        return [i for i, strength in enumerate(strengths) if strength]

    @staticmethod
    def _factor(x: float) -> float:
        return float(np.random.uniform(max(0.0, 1 - x), 1 + x)) if x else 1.0

    def transform(self, results: dict) -> dict:
        img = results['img']
        colour = img.ndim == 3 and img.shape[2] == 3
        params = dict(
            brightness=self._factor(self.brightness),
            contrast=self._factor(self.contrast),
            saturation=self._factor(self.saturation) if colour else 1.0,
            hue=float(np.random.uniform(-self.hue, self.hue)) if colour and self.hue else 0.0)
        active = self.active_steps(3 if colour else 1)
        order = [op for op in np.random.permutation(4) if op in active]
        if order:
            pixels = img.reshape(img.shape[:2] + (-1, )).astype(np.float32)
            factors = [params[k] for k in ('brightness', 'contrast', 'saturation', 'hue')]
            bgr = channel_order_of(results) == 'bgr'
            out = jitter_image(pixels, np.array(factors), np.array(order), bgr)
            results['img'] = np.round(out).astype(np.uint8).reshape(img.shape)
        _record(results, 'color_jitter', **params)
        return results


@TRANSFORMS.register_module()
class IICRandomGreyscale(BaseTransform):
    """Turn a colour image grey (its luma, kept 3-channel) with probability
    ``prob``; the channel order as :class:`IICRandomColorJitter` reads it."""

    def __init__(self, prob: float = 0.1) -> None:
        self.prob = prob

    def transform(self, results: dict) -> dict:
        img = results['img']
        grey = bool(np.random.rand() < self.prob) and img.ndim == 3 and img.shape[2] == 3
        if grey:
            weights = luma_weights(channel_order_of(results) == 'bgr')
            luma = img.astype(np.float32) @ np.array(weights, np.float32)
            results['img'] = np.repeat(np.round(luma).astype(np.uint8)[..., None], 3, axis=2)
        _record(results, 'greyscale', grey=grey)
        return results
