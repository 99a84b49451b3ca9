"""Random affine maps between views and the warp that applies them.

``M`` ([3, 3], pixel coordinates, x right, y down) maps a pixel of the
first view to where it lands in the warped view. Shared by the image views
(:class:`IICRandomAffine`) and the dense views (:class:`IICDenseViews`).
"""
import math
from typing import Tuple

import cv2
import numpy as np

BORDERS = {'reflect': cv2.BORDER_REFLECT_101, 'constant': cv2.BORDER_CONSTANT}


def random_affine(height: int,
                  width: int,
                  hflip_prob: float = 0.5,
                  vflip_prob: float = 0.0,
                  max_rotation: float = 0.0,
                  scale_range: Tuple[float, float] = (1.0, 1.0),
                  max_shear: float = 0.0,
                  max_translation: float = 0.0) -> np.ndarray:
    """Draw ``M`` ([3, 3] float64) mapping first-view pixels to second-view pixels.

    Rotation, scale and shear act about the image centre; translation is in
    pixels per axis, uniform in [-max_translation, max_translation]; flips
    come last.
    """
    cx, cy = (width - 1) / 2, (height - 1) / 2
    angle = math.radians(np.random.uniform(-max_rotation, max_rotation))
    scale = np.random.uniform(*scale_range)
    shear = math.radians(np.random.uniform(-max_shear, max_shear))
    tx, ty = np.random.uniform(-max_translation, max_translation, 2)
    to_centre = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]])
    linear = np.array([[math.cos(angle), -math.sin(angle), 0], [math.sin(angle), math.cos(angle), 0],
                       [0, 0, 1]]) @ np.array([[1, math.tan(shear), 0], [0, 1, 0], [0, 0, 1]])
    linear[:2, :2] *= scale
    back = np.array([[1, 0, cx + tx], [0, 1, cy + ty], [0, 0, 1]])
    matrix = back @ linear @ to_centre
    if np.random.rand() < hflip_prob:
        matrix = np.array([[-1, 0, width - 1], [0, 1, 0], [0, 0, 1]]) @ matrix
    if np.random.rand() < vflip_prob:
        matrix = np.array([[1, 0, 0], [0, -1, height - 1], [0, 0, 1]]) @ matrix
    return matrix


def warp(image: np.ndarray, matrix: np.ndarray, nearest: bool = False, border: str = 'reflect',
         fill: int = 0) -> np.ndarray:
    """Second view from the first: ``out[M u] = image[u]`` ([H, W(, C)])."""
    h, w = image.shape[:2]
    out = cv2.warpAffine(image, matrix[:2].astype(np.float64), (w, h),
                         flags=cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR,
                         borderMode=BORDERS[border], borderValue=fill)
    return out.reshape(image.shape)
