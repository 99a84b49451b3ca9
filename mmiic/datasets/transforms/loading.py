"""Read images of any common format, bit depth and channel count as uint8 arrays.

The view transforms work on uint8 images, so every image is mapped to uint8
once, when it is read: 8-bit images stay as they are, deeper ones (16-bit
microscopy, float remote sensing) are either scaled by their type's range or,
with per-channel statistics of the data set, standardised per channel
(``128 + 40 * (x - mean) / std``, i.e. +-3.2 standard deviations fill the
uint8 range). That keeps the contrast of 12-bit data stored in 16-bit files,
which a plain ``/ 257`` would squash into a few grey levels.
"""
import os.path as osp
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmiic.registry import TRANSFORMS

IMG_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp', '.pgm', '.ppm',
                  '.pnm', '.jp2')
COLOR_TYPES = ('color', 'grayscale', 'unchanged')
_TIFF = ('.tif', '.tiff')
MAX_PAGE_CHANNELS = 16


def _read_tiff(path: str) -> np.ndarray:
    """[H, W] or [H, W, C] from a TIFF, whatever its axis order (YXS, CYX, ...)."""
    import tifffile
    with tifffile.TiffFile(path) as tif:
        series = tif.series[0]
        array, axes = series.asarray(), series.axes
    if 'Y' not in axes or 'X' not in axes:
        raise ValueError(f'no Y/X axes (axes {axes!r}, shape {array.shape})')
    channel_axes = [i for i, a in enumerate(axes) if a not in 'YX']
    # C, S: channels/samples; Q: pages of unknown meaning, read as channels
    # when few (multi-page channel files without OME/ImageJ metadata).
    extra = [axes[i] for i in channel_axes if array.shape[i] > 1 and not (
        axes[i] in 'CS' or (axes[i] == 'Q' and array.shape[i] <= MAX_PAGE_CHANNELS))]
    if extra:
        raise ValueError(f'stacks are not supported: axes {axes!r}, shape {array.shape} '
                         f'(only channel axes C/S, or up to {MAX_PAGE_CHANNELS} pages, may be '
                         f'longer than 1, not {extra})')
    order = [axes.index('Y'), axes.index('X')] + channel_axes
    array = array.transpose(order)
    return array.reshape(array.shape[:2] + (-1, )) if array.ndim > 2 else array


def read_image(path: str) -> np.ndarray:
    """Read an image file in its native bit depth and channel count.

    Colour images come back in RGB(A) order. TIFFs (any axis order, 16-bit,
    float, many channels) are read with ``tifffile``, everything else with
    OpenCV (``IMREAD_UNCHANGED``) and Pillow as a fallback.

    Returns:
        np.ndarray: [H, W] or [H, W, C] in the file's dtype.

    Raises:
        FileNotFoundError / ValueError: naming the file.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'image {path} not found')
    try:
        if path.lower().endswith(_TIFF):
            img = _read_tiff(path)
        else:
            img = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_UNCHANGED)
            if img is None:
                from PIL import Image
                with Image.open(path) as pil:
                    img = np.asarray(pil)
            elif img.ndim == 3 and img.shape[2] in (3, 4):
                code = cv2.COLOR_BGR2RGB if img.shape[2] == 3 else cv2.COLOR_BGRA2RGBA
                img = cv2.cvtColor(img, code)
    except Exception as e:  # decoders raise many types for corrupt files
        raise ValueError(f'{path}: cannot read image ({type(e).__name__}: {e})') from e
    if img.ndim not in (2, 3) or img.size == 0:
        raise ValueError(f'{path}: expected an [H, W] or [H, W, C] image, got shape {img.shape}')
    return img


def image_shape(path: str) -> Tuple[int, int]:
    """(H, W) of an image file, read from its header where possible."""
    if path.lower().endswith(_TIFF):
        return read_image(path).shape[:2]
    try:
        from PIL import Image
        with Image.open(path) as pil:
            return pil.size[1], pil.size[0]
    except Exception:
        return read_image(path).shape[:2]


def convert_channels(img: np.ndarray, color_type: str, source: str = 'image') -> np.ndarray:
    """Bring an RGB(A) / grey / multi-channel image to ``color_type``.

    'color' -> [H, W, 3] (grey repeated, alpha dropped), 'grayscale' -> [H, W]
    (RGB averaged with ITU-R 601 weights), 'unchanged' -> as stored.
    """
    if color_type not in COLOR_TYPES:
        raise ValueError(f'color_type must be one of {COLOR_TYPES}, got {color_type!r}')
    if color_type == 'unchanged':
        return img
    channels = 1 if img.ndim == 2 else img.shape[2]
    if channels == 1:
        grey = img.reshape(img.shape[:2])
        return grey if color_type == 'grayscale' else np.repeat(grey[..., None], 3, axis=2)
    if channels not in (3, 4):
        raise ValueError(f'{source} has {channels} channels; use color_type="unchanged" for '
                         'multi-channel images (and set the model in_channels to match)')
    rgb = img[..., :3]
    if color_type == 'color':
        return rgb
    weights = np.array([0.299, 0.587, 0.114])
    return (rgb.astype(np.float64) @ weights).astype(img.dtype)


def to_uint8(img: np.ndarray, channel_stats: Optional[dict] = None) -> np.ndarray:
    """Map an image of any dtype to uint8 (see the module docstring).

    Args:
        img (np.ndarray): [H, W] or [H, W, C].
        channel_stats (dict, optional): ``mean`` and ``std`` lists with one
            value per channel: standardise per channel. Without them uint8
            stays, other integer types are scaled by their maximum and floats
            are taken to lie in [0, 1].
    """
    if channel_stats is not None:
        mean = np.asarray(channel_stats['mean'], np.float64)
        std = np.asarray(channel_stats['std'], np.float64)
        channels = 1 if img.ndim == 2 else img.shape[2]
        if mean.size != channels or std.size != channels:
            raise ValueError(f'channel_stats have {mean.size} channels, the image {channels} '
                             f'(shape {img.shape})')
        if img.ndim == 2:
            mean, std = mean[0], std[0]
        z = (img.astype(np.float64) - mean) / std
        return np.clip(np.round(128 + 40 * z), 0, 255).astype(np.uint8)
    if img.dtype == np.uint8:
        return img
    if img.dtype == bool:
        return img.astype(np.uint8) * 255
    if np.issubdtype(img.dtype, np.integer):
        scale = 255.0 / np.iinfo(img.dtype).max
        return np.clip(np.round(img.astype(np.float64) * scale), 0, 255).astype(np.uint8)
    return np.clip(np.round(img.astype(np.float64) * 255), 0, 255).astype(np.uint8)


def channel_statistics(paths: Sequence[str], color_type: str,
                       max_pixels_per_image: int = 1 << 20) -> dict:
    """Per-channel mean and std over the given images (native values).

    Large images are subsampled on a regular grid to about
    ``max_pixels_per_image`` pixels each.

    Returns:
        dict: ``mean`` and ``std``, lists of floats, one per channel.
    """
    total = sq = count = None
    for path in paths:
        img = convert_channels(read_image(path), color_type, path)
        step = max(1, int(np.sqrt(img.shape[0] * img.shape[1] / max_pixels_per_image)))
        values = img[::step, ::step].reshape(-1, 1 if img.ndim == 2 else img.shape[2])
        values = values.astype(np.float64)
        if total is not None and values.shape[1] != total.shape[0]:
            raise ValueError(f'{path} has {values.shape[1]} channels, earlier images '
                             f'{total.shape[0]}')
        total = values.sum(0) if total is None else total + values.sum(0)
        sq = (values ** 2).sum(0) if sq is None else sq + (values ** 2).sum(0)
        count = len(values) if count is None else count + len(values)
    if total is None:
        raise ValueError('no images to compute channel statistics from')
    mean = total / count
    std = np.sqrt(np.maximum(sq / count - mean ** 2, 0))
    std[std < 1e-6] = 1.0  # a constant channel carries nothing; avoid dividing by 0
    return dict(mean=mean.tolist(), std=std.tolist())


@TRANSFORMS.register_module()
class LoadIICImage(BaseTransform):
    """Load an image of any format, depth and channel count as uint8.

    Reads ``img_path`` (see :func:`read_image`), or takes ``img`` when it is
    already there (an array in OpenCV's BGR order, e.g. a video frame), then
    crops ``tile_box`` (x, y, w, h) if given, converts to ``color_type`` and
    maps to uint8 with ``channel_stats`` (see :func:`to_uint8`). Folder data
    sets put ``color_type`` and ``channel_stats`` into each sample; those
    override the arguments here.

    Writes ``img`` ([H, W] or [H, W, C] uint8), ``img_shape``, ``ori_shape``
    (the tile's size) and ``source_shape`` (the whole file's size).

    Args:
        color_type (str): 'color', 'grayscale' or 'unchanged'.
        channel_stats (dict, optional): per-channel ``mean``/``std``.
        channel_order (str): 'rgb' (default) or 'bgr' (what mmcv's
            ``LoadImageFromFile`` gives, for models trained on its output).
    """

    def __init__(self, color_type: str = 'color', channel_stats: Optional[dict] = None,
                 channel_order: str = 'rgb') -> None:
        if color_type not in COLOR_TYPES:
            raise ValueError(f'color_type must be one of {COLOR_TYPES}, got {color_type!r}')
        if channel_order not in ('rgb', 'bgr'):
            raise ValueError(f"channel_order must be 'rgb' or 'bgr', got {channel_order!r}")
        self.color_type = color_type
        self.channel_stats = channel_stats
        self.channel_order = channel_order

    def transform(self, results: dict) -> dict:
        source = results.get('img_path') or 'image array'
        if results.get('img') is not None:
            img = np.asarray(results['img'])
            if img.ndim == 3 and img.shape[2] in (3, 4):
                img = img[..., [2, 1, 0] + ([3] if img.shape[2] == 4 else [])]
        else:
            img = read_image(results['img_path'])
        results['source_shape'] = img.shape[:2]
        box = results.get('tile_box')
        if box is not None:
            x, y, w, h = box
            if y + h > img.shape[0] or x + w > img.shape[1]:
                raise ValueError(f'{source}: tile {tuple(box)} lies outside the image '
                                 f'{img.shape[:2]} (did the file change?)')
            img = img[y:y + h, x:x + w]
        color_type = results.get('color_type') or self.color_type
        stats = results.get('channel_stats') or self.channel_stats
        img = to_uint8(convert_channels(img, color_type, source), stats)
        if self.channel_order == 'bgr' and img.ndim == 3 and img.shape[2] in (3, 4):
            img = img[..., [2, 1, 0] + ([3] if img.shape[2] == 4 else [])]
        results['img'] = np.ascontiguousarray(img)
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(color_type={self.color_type!r})'
