"""Load and shrink an image in one step, exactly as load + ``Resize`` do."""
import io
from typing import Optional, Tuple

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.fileio import get
from PIL import Image

from mmiic.registry import TRANSFORMS


def resized_size(width: int, height: int, scale_factor: float) -> Tuple[int, int]:
    """(w, h) that mmcv's ``Resize(scale_factor, keep_ratio=True)`` gives."""
    return int(width * scale_factor + 0.5), int(height * scale_factor + 0.5)


@TRANSFORMS.register_module()
class LoadResizedImage(BaseTransform):
    """``LoadImageFromFile`` + ``Resize(scale_factor, keep_ratio=True)`` in one.

    The image is decoded at full size (OpenCV, stored orientation: EXIF
    rotation ignored, as the label maps are not rotated) and resized
    bilinearly to what mmcv's ``Resize`` gives (``int(side * s + 0.5)``):
    the same pixels as ``LoadImageFromFile(color_type='color_ignore_orientation')``
    + ``Resize``, the test pipeline of the COCO-Stuff configs, and as the
    published IIC code (``cv2.imread`` + ``cv2.resize(..., INTER_LINEAR)``).
    (Decoding JPEGs at 1/2 size first, as this step once did, smoothed the
    training images against the test images: Sobel magnitudes 5-14 % larger at test time
    than in training on four photographs at 1/3.)
    A ``gt_seg_map`` loaded before this step (full size) is resized to
    match, nearest-neighbour.

    Args:
        scale_factor (float): target size / original size, in (0, 1].
        color_type (str): 'color' or 'grayscale'.
        to_rgb (bool): convert colour images to RGB. Defaults to False, as
            mmcv's ``LoadImageFromFile`` with the cv2 backend (BGR).

    Writes ``img``, ``img_shape``, ``ori_shape`` (of the file), ``scale_factor``
    ((w, h) ratios), ``keep_ratio`` and ``channel_order`` ('bgr', or 'rgb'
    with ``to_rgb``; read by the colour jitter and the displays).
    """

    def __init__(self, scale_factor: float, color_type: str = 'color',
                 to_rgb: bool = False) -> None:
        if not 0 < scale_factor <= 1:
            raise ValueError(f'scale_factor must lie in (0, 1], got {scale_factor}')
        if color_type not in ('color', 'grayscale'):
            raise ValueError(f"color_type must be 'color' or 'grayscale', got {color_type!r}")
        self.scale_factor = scale_factor
        self.grey = color_type == 'grayscale'
        self.to_rgb = to_rgb

    def _decode(self, data: bytes, path: str) -> np.ndarray:
        buffer = np.frombuffer(data, np.uint8)
        flag = cv2.IMREAD_GRAYSCALE if self.grey else cv2.IMREAD_COLOR
        # Stored orientation, as the header size and the label maps (EXIF rotation ignored).
        img = cv2.imdecode(buffer, flag | cv2.IMREAD_IGNORE_ORIENTATION)
        if img is None:
            raise ValueError(f'{path}: cannot decode image')
        if self.to_rgb and img.ndim == 3:
            img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        return img

    def transform(self, results: dict) -> Optional[dict]:
        path = results['img_path']
        try:
            data = get(path)
        except FileNotFoundError:
            raise FileNotFoundError(f'image {path} not found')
        width, height = Image.open(io.BytesIO(data)).size  # header only, no decoding
        new_w, new_h = resized_size(width, height, self.scale_factor)
        img = self._decode(data, path)
        if img.shape[:2] != (new_h, new_w):
            img = mmcv.imresize(img, (new_w, new_h), interpolation='bilinear')
        seg = results.get('gt_seg_map')
        if seg is not None:
            if seg.shape[:2] != (height, width):
                raise ValueError(f'image {path} ({height}, {width}) and label '
                                 f'{results.get("seg_map_path")} {seg.shape[:2]} differ in size')
            results['gt_seg_map'] = mmcv.imresize(seg, (new_w, new_h), interpolation='nearest')
        results.update(img=img, img_shape=img.shape[:2], ori_shape=(height, width),
                       scale_factor=(new_w / width, new_h / height), keep_ratio=True,
                       channel_order='rgb' if self.to_rgb and img.ndim == 3 else 'bgr')
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale_factor={self.scale_factor}, grey={self.grey}, '
                f'to_rgb={self.to_rgb})')
