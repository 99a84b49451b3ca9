"""Random image transforms that build the views of IIC image clustering.

Each is a :class:`IICViewStep`: it defines its random draws and its map
once, and runs them on one image on the CPU (``results['img']``, [H, W] or
[H, W, C] uint8, drawing from numpy's global random state, seeded per
sample by :class:`~mmiic.engine.hooks.EpochSeedHook` or per worker by
mmengine) or on a batch on the device (:class:`~mmiic.models.IICBatchPairedViews`,
drawing counter-based uniforms). The CPU steps record what they drew under
``results['view_params'][<transform>]``. The maths: matrices from
:mod:`.geometry`, colour maps from :mod:`.photometric`, draw sources from
:mod:`.view_randomness`.
"""
from typing import Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from torch import Tensor

from mmiic.registry import TRANSFORMS
from mmiic.visualization import channel_order_of
from .geometry import (AFFINE_DRAWS, affine_from_uniforms, crop_resize_matrix, mirror,
                       rotation_matrix, warp)
from .photometric import CONTRAST, greyscale, jitter, jitter_factors, jitter_image, luma_weights
from .view_randomness import Draws, NumpyDraws

Size = Tuple[int, int]


def _record(results: dict, name: str, **params) -> None:
    results.setdefault('view_params', {})[name] = params


def _resize(img: np.ndarray, size: Size) -> np.ndarray:
    out = cv2.resize(img, (size[1], size[0]), interpolation=cv2.INTER_LINEAR)
    return out.reshape(size + img.shape[2:])


def _pair(size: Union[int, Sequence[int]]) -> Size:
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


def _channels(img: np.ndarray) -> int:
    return img.shape[2] if img.ndim == 3 else 1


class IICViewStep(BaseTransform):
    """A random step of a view, defined once for both paths.

    * ``sample(draws, size, channels)`` -> the parameters of N samples
      (arrays with a leading N axis) from a draw source:
      :class:`~.view_randomness.NumpyDraws` (the CPU ``transform``, N = 1)
      or :class:`~.view_randomness.CounterDraws` (the device views).
    * Geometric steps (``geometric = True``) give ``matrix(params, size)``,
      [N, 3, 3] maps from input to output pixels, and ``output_size``; the
      device composes a view's matrices into one resampling. ``fills``: the
      step fills with zeros outside its input frame; ``crops``: its output
      frame is a window of its input.
    * Photometric steps give ``transform_batch(images, params, bgr)``.
    """

    geometric = True
    fills = False
    crops = False

    def sample(self, draws: Draws, size: Size, channels: int) -> dict:
        raise NotImplementedError

    def output_size(self, size: Size) -> Size:
        return size

    def check_input(self, size: Size, source: str) -> None:
        """Raise if images of ``size`` (H, W) cannot take this step."""


class _CropResize(IICViewStep):
    """Crop a square window and resize it to ``out_size``."""

    crops = True

    def __init__(self, out_size: Union[int, Sequence[int]]) -> None:
        self.out_size = _pair(out_size)

    def largest_side(self) -> int:
        raise NotImplementedError

    def output_size(self, size: Size) -> Size:
        return self.out_size

    def check_input(self, size: Size, source: str) -> None:
        side = self.largest_side()
        if side > min(size):
            raise ValueError(f'crop size {side} exceeds image {size[0]}x{size[1]} ({source})')

    def matrix(self, params: dict, size: Size) -> np.ndarray:
        return crop_resize_matrix(params['box'], self.out_size)

    def transform(self, results: dict) -> dict:
        img = results['img']
        self.check_input(img.shape[:2], results.get('img_path', 'in memory'))
        params = self.sample(NumpyDraws(), img.shape[:2], _channels(img))
        x, y, side, _ = (int(v) for v in params['box'][0])
        results['img'] = _resize(img[y:y + side, x:x + side], self.out_size)
        _record(results, 'crop', box=(x, y, side, side))
        return results


@TRANSFORMS.register_module()
class IICRandomCropResize(_CropResize):
    """Crop a random square of one of ``crop_sizes`` and resize it.

    Args:
        crop_sizes (Sequence[int]): side lengths to draw from.
        out_size (int | tuple): output (H, W).
    """

    def __init__(self, crop_sizes: Sequence[int], out_size: Union[int, Sequence[int]]) -> None:
        super().__init__(out_size)
        self.crop_sizes = list(crop_sizes)

    def largest_side(self) -> int:
        return max(self.crop_sizes)

    def sample(self, draws: Draws, size: Size, channels: int) -> dict:
        """``box`` [N, 4]: (x0, y0, side, side) in input pixels."""
        side = draws.choice(0, self.crop_sizes)
        y0 = draws.integers(2, size[0] - side + 1)
        x0 = draws.integers(1, size[1] - side + 1)
        return dict(box=np.stack([x0, y0, side, side], -1))


@TRANSFORMS.register_module()
class IICCenterCropResize(_CropResize):
    """Crop the central ``crop_size`` square and resize it to ``out_size``."""

    def __init__(self, crop_size: int, out_size: Union[int, Sequence[int]]) -> None:
        super().__init__(out_size)
        self.crop_size = crop_size

    def largest_side(self) -> int:
        return self.crop_size

    def sample(self, draws: Draws, size: Size, channels: int) -> dict:
        """``box`` [N, 4] of the central square (draws nothing)."""
        side = np.full(draws.count, float(self.crop_size))
        x0, y0 = (size[1] - side) // 2, (size[0] - side) // 2
        return dict(box=np.stack([x0, y0, side, side], -1))


@TRANSFORMS.register_module()
class IICRandomHorizontalFlip(IICViewStep):
    """Mirror left-right with probability ``prob``."""

    def __init__(self, prob: float = 0.5) -> None:
        self.prob = prob

    def sample(self, draws: Draws, size: Size, channels: int) -> dict:
        """``flipped`` [N] bool."""
        return dict(flipped=draws.below(0, self.prob))

    def matrix(self, params: dict, size: Size) -> np.ndarray:
        matrix = np.tile(np.eye(3), (len(params['flipped']), 1, 1))
        return mirror(matrix, params['flipped'], 0, size[1])

    def transform(self, results: dict) -> dict:
        img = results['img']
        flip = bool(self.sample(NumpyDraws(), img.shape[:2], _channels(img))['flipped'][0])
        if flip:
            results['img'] = np.ascontiguousarray(img[:, ::-1])
        _record(results, 'flip', flipped=flip)
        return results


@TRANSFORMS.register_module()
class IICRandomRotation(IICViewStep):
    """Rotate by a uniform angle in [-max_angle, max_angle] degrees (zero fill)
    with probability ``prob``; positive angles turn counter-clockwise."""

    fills = True

    def __init__(self, max_angle: float = 25.0, prob: float = 1.0) -> None:
        self.max_angle = max_angle
        self.prob = prob

    def sample(self, draws: Draws, size: Size, channels: int) -> dict:
        """``angle`` [N] degrees (0 where the step does not turn)."""
        angle = draws.symmetric(0, self.max_angle)
        return dict(angle=angle * draws.below(1, self.prob))

    def matrix(self, params: dict, size: Size) -> np.ndarray:
        return rotation_matrix(params['angle'], *size)

    def transform(self, results: dict) -> dict:
        img = results['img']
        params = self.sample(NumpyDraws(), img.shape[:2], _channels(img))
        angle = float(params['angle'][0]) + 0.0  # no -0.0 in the record
        if angle:
            results['img'] = warp(img, self.matrix(params, img.shape[:2])[0], border='constant')
        _record(results, 'rotation', angle=angle)
        return results


@TRANSFORMS.register_module()
class IICRandomAffine(IICViewStep):
    """Random rotation, scale, shear and translation about the centre (zero fill).

    Args:
        max_rotation (float): degrees. max_shear (float): degrees.
        scale_range (tuple): scale factors. max_translation (float): pixels.
    """

    fills = True

    def __init__(self,
                 max_rotation: float = 0.0,
                 scale_range: Sequence[float] = (1.0, 1.0),
                 max_shear: float = 0.0,
                 max_translation: float = 0.0) -> None:
        self.args = dict(max_rotation=max_rotation, scale_range=tuple(scale_range),
                         max_shear=max_shear, max_translation=max_translation)

    def sample(self, draws: Draws, size: Size, channels: int) -> dict:
        """``matrix`` [N, 3, 3] (:func:`affine_from_uniforms`, no flips)."""
        u = draws.uniforms(0, AFFINE_DRAWS)
        return dict(matrix=affine_from_uniforms(u, *size, hflip_prob=0.0, **self.args))

    def matrix(self, params: dict, size: Size) -> np.ndarray:
        return params['matrix']

    def transform(self, results: dict) -> dict:
        img = results['img']
        matrix = self.sample(NumpyDraws(), img.shape[:2], _channels(img))['matrix'][0]
        results['img'] = warp(img, matrix, border='constant')
        _record(results, 'affine', matrix=matrix.round(4).tolist())
        return results


@TRANSFORMS.register_module()
class IICRandomColorJitter(IICViewStep):
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

    geometric = False
    FACTORS = ('brightness', 'contrast', 'saturation', 'hue')

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

    def sample(self, draws: Draws, size: Size, channels: int) -> dict:
        """``factors`` [N, 4] (:func:`jitter_factors`) and ``order`` [N, P]:
        the active steps of each sample in the order they apply."""
        factors = jitter_factors(draws, self.brightness, self.contrast, self.saturation,
                                 self.hue, colour=channels == 3)
        order = draws.order(len(self.FACTORS), self.active_steps(channels), len(self.FACTORS))
        return dict(factors=factors, order=order)

    def apply(self, img: np.ndarray, params: dict, bgr: bool) -> np.ndarray:
        """One uint8 image ([H, W] or [H, W, C]) with the first sample's parameters."""
        order = params['order'][0]
        if not len(order):
            return img
        pixels = img.reshape(img.shape[:2] + (-1, )).astype(np.float32)
        out = jitter_image(pixels, params['factors'][0], order, bgr)
        return np.round(out).astype(np.uint8).reshape(img.shape)

    def transform_batch(self, images: Tensor, params: dict, bgr: np.ndarray) -> Tensor:
        """[N, C, H, W] float in [0, 255] (``bgr``: [N] bool) -> same."""
        order = params['order']
        if not order.shape[1]:
            return images
        return jitter(images, params['factors'], order, with_mean=bool((order == CONTRAST).any()),
                      bgr=bgr)

    def transform(self, results: dict) -> dict:
        img = results['img']
        params = self.sample(NumpyDraws(), img.shape[:2], _channels(img))
        results['img'] = self.apply(img, params, channel_order_of(results) == 'bgr')
        _record(results, 'color_jitter',
                **{name: float(f) for name, f in zip(self.FACTORS, params['factors'][0])})
        return results


@TRANSFORMS.register_module()
class IICRandomGreyscale(IICViewStep):
    """Turn a colour image grey (its luma, kept 3-channel) with probability
    ``prob``; the channel order as :class:`IICRandomColorJitter` reads it."""

    geometric = False

    def __init__(self, prob: float = 0.1) -> None:
        self.prob = prob

    def sample(self, draws: Draws, size: Size, channels: int) -> dict:
        """``grey`` [N] bool (only 3-channel images turn grey)."""
        return dict(grey=draws.below(0, self.prob) & (channels == 3))

    def transform_batch(self, images: Tensor, params: dict, bgr: np.ndarray) -> Tensor:
        return greyscale(images, params['grey'], bgr)

    def transform(self, results: dict) -> dict:
        img = results['img']
        grey = bool(self.sample(NumpyDraws(), img.shape[:2], _channels(img))['grey'][0])
        if grey:
            weights = luma_weights(channel_order_of(results) == 'bgr')
            luma = img.astype(np.float32) @ np.array(weights, np.float32)
            results['img'] = np.repeat(np.round(luma).astype(np.uint8)[..., None], 3, axis=2)
        _record(results, 'greyscale', grey=grey)
        return results
