"""Affine maps between views, and the warps that apply them.

``M`` ([3, 3], pixel coordinates, x right, y down) maps a pixel of the input
to where it lands in the output. The matrices are built once, batched, on the
host (numpy: a few numbers per sample; :func:`affine_from_uniforms`,
:func:`crop_resize_matrix`, :func:`rotation_matrix`), and serve every path:

* the CPU transforms (:class:`IICRandomAffine`, :class:`IICDenseViews`, ...)
  build one matrix and resample with OpenCV (:func:`warp`);
* the device views (:class:`mmiic.models.IICBatchPairedViews`, ...) build a
  batch and resample with ``grid_sample`` (:func:`warp_batch`);
* the segmentor's alignment samples through the same :func:`map_pixels` and
  :func:`sample_affine` (:func:`mmiic.models.utils.align_to_first_view`).
"""
from typing import Optional, Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

BORDERS = {
    'reflect': cv2.BORDER_REFLECT_101,
    'constant': cv2.BORDER_CONSTANT,
    'replicate': cv2.BORDER_REPLICATE
}
# grid_sample's 'reflection' with align_corners=True mirrors about the border
# pixel centres, which is OpenCV's BORDER_REFLECT_101.
GRID_PADDING = {'reflect': 'reflection', 'constant': 'zeros', 'replicate': 'border'}
AFFINE_DRAWS = 7  # uniforms consumed by one affine map, in the order below


def affine_from_uniforms(u: np.ndarray,
                         height: int,
                         width: int,
                         hflip_prob: float = 0.5,
                         vflip_prob: float = 0.0,
                         max_rotation: float = 0.0,
                         scale_range: Tuple[float, float] = (1.0, 1.0),
                         max_shear: float = 0.0,
                         max_translation: float = 0.0) -> np.ndarray:
    """Random affine maps from uniform draws.

    Rotation, scale and shear act about the image centre; translation is in
    pixels per axis, uniform in [-max_translation, max_translation]; flips
    come last. The maps are a few numbers per sample, so they are built on
    the host (numpy) for both paths; only the pixels go to the device.

    Args:
        u (np.ndarray): [N, 7] uniforms in [0, 1): rotation, scale, shear,
            x and y translation, horizontal and vertical flip.
        height, width (int): image size in pixels.
        hflip_prob, vflip_prob (float): flip probabilities.
        max_rotation, max_shear (float): degrees.
        scale_range (tuple): scale factors. max_translation (float): pixels.

    Returns:
        np.ndarray: [N, 3, 3] float64 matrices M.
    """
    u = np.asarray(u, dtype=np.float64)
    if u.ndim != 2 or u.shape[1] != AFFINE_DRAWS:
        raise ValueError(f'u must be [N, {AFFINE_DRAWS}] uniforms, got {tuple(u.shape)}')
    angle = np.deg2rad(max_rotation * (2 * u[:, 0] - 1))
    scale = scale_range[0] + (scale_range[1] - scale_range[0]) * u[:, 1]
    shear = np.deg2rad(max_shear * (2 * u[:, 2] - 1))
    shift = max_translation * (2 * u[:, 3:5] - 1)
    matrix = centred_affine(angle, scale, shear, shift, height, width)
    for axis, prob, draw in ((0, hflip_prob, u[:, 5]), (1, vflip_prob, u[:, 6])):
        if prob > 0:
            mirror(matrix, draw < prob, axis, (width, height)[axis])
    return matrix


def mirror(matrix: np.ndarray, flipped: np.ndarray, axis: int, size: int) -> np.ndarray:
    """Follow maps by a mirror of x (``axis`` 0, ``size`` the width) or y
    (axis 1, the height) where ``flipped`` ([N] bool); in place.

    Args:
        matrix (np.ndarray): [N, 3, 3] float64.

    Returns:
        np.ndarray: ``matrix``.
    """
    sign = np.where(flipped, -1.0, 1.0)
    matrix[:, axis] *= sign[:, None]
    matrix[:, axis, 2] += (sign < 0) * (size - 1)
    return matrix


def centred_affine(angle: np.ndarray, scale: np.ndarray, shear: np.ndarray, shift: np.ndarray,
                   height: int, width: int) -> np.ndarray:
    """Rotation (radians; positive turns x towards y, clockwise on screen),
    scale and shear (radians) about the image centre, then a shift ([N, 2]
    pixels). Each of angle, scale, shear is [N].

    Returns:
        np.ndarray: [N, 3, 3] float64.
    """
    cos, sin, tan = np.cos(angle), np.sin(angle), np.tan(shear)
    cx, cy = (width - 1) / 2, (height - 1) / 2
    matrix = np.zeros((len(angle), 3, 3))
    # Rotation @ shear, scaled, about the centre.
    matrix[:, 0, 0], matrix[:, 0, 1] = scale * cos, scale * (cos * tan - sin)
    matrix[:, 1, 0], matrix[:, 1, 1] = scale * sin, scale * (sin * tan + cos)
    matrix[:, 0, 2] = cx + shift[:, 0] - matrix[:, 0, 0] * cx - matrix[:, 0, 1] * cy
    matrix[:, 1, 2] = cy + shift[:, 1] - matrix[:, 1, 0] * cx - matrix[:, 1, 1] * cy
    matrix[:, 2, 2] = 1
    return matrix


def rotation_matrix(degrees: np.ndarray, height: int, width: int) -> np.ndarray:
    """Rotation about the centre as ``cv2.getRotationMatrix2D`` (positive
    degrees turn the image counter-clockwise on screen). [N] -> [N, 3, 3]."""
    degrees = np.asarray(degrees, dtype=np.float64)
    zeros = np.zeros_like(degrees)
    return centred_affine(-np.deg2rad(degrees), zeros + 1, zeros, np.stack([zeros, zeros], -1),
                          height, width)


def crop_resize_matrix(boxes: np.ndarray, out_size: Tuple[int, int]) -> np.ndarray:
    """Maps that crop boxes and resize them to ``out_size``.

    Pixel centres line up as in ``cv2.resize``: input x maps to
    ``(x - x0 + 0.5) * out_w / box_w - 0.5``.

    Args:
        boxes (np.ndarray): [N, 4] (x0, y0, box_w, box_h) in input pixels.
        out_size (tuple): (H, W) of the output.

    Returns:
        np.ndarray: [N, 3, 3] float64 matrices M.
    """
    boxes = np.asarray(boxes, dtype=np.float64)
    sx, sy = out_size[1] / boxes[:, 2], out_size[0] / boxes[:, 3]
    matrix = np.zeros((len(boxes), 3, 3))
    matrix[:, 0, 0], matrix[:, 1, 1], matrix[:, 2, 2] = sx, sy, 1
    matrix[:, 0, 2] = (0.5 - boxes[:, 0]) * sx - 0.5
    matrix[:, 1, 2] = (0.5 - boxes[:, 1]) * sy - 0.5
    return matrix


def warp(image: np.ndarray, matrix: np.ndarray, nearest: bool = False, border: str = 'reflect',
         fill: int = 0, out_size: Optional[Tuple[int, int]] = None) -> np.ndarray:
    """One image on the CPU: ``out[M u] = image[u]`` ([H, W(, C)] -> [H', W'(, C)]).

    ``out_size`` (H', W') defaults to the input size.
    """
    h, w = out_size or image.shape[:2]
    out = cv2.warpAffine(image, np.asarray(matrix)[:2].astype(np.float64), (w, h),
                         flags=cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR,
                         borderMode=BORDERS[border], borderValue=fill)
    return out.reshape((h, w) + image.shape[2:])


def map_pixels(matrix: Tensor, height: int, width: int,
               dtype: torch.dtype = torch.float32) -> Tensor:
    """``M u`` for every pixel u of a height x width grid.

    Args:
        matrix (Tensor): [N, 3, 3].
        dtype (torch.dtype): of the result; float32 resolves 1/50,000 pixel
            at 1,000 pixels, ample for resampling.

    Returns:
        Tensor: [N, H, W, 2] (x, y) pixel coordinates.
    """
    ys, xs = torch.meshgrid(torch.arange(height, device=matrix.device, dtype=dtype),
                            torch.arange(width, device=matrix.device, dtype=dtype), indexing='ij')
    coords = torch.stack([xs, ys, torch.ones_like(xs)], dim=-1).view(1, -1, 3)  # [1, HW, 3]
    mapped = coords @ matrix[:, :2].to(dtype).transpose(1, 2)  # [N, HW, 2]
    return mapped.view(matrix.shape[0], height, width, 2)


def normalise_grid(coords: Tensor, height: int, width: int) -> Tensor:
    """Pixel (x, y) of a height x width image -> ``grid_sample`` coordinates
    (``align_corners=True``). [..., 2] -> [..., 2]."""
    scale = coords.new_tensor([2 / max(width - 1, 1), 2 / max(height - 1, 1)])
    return coords * scale - 1


def on_pixel_grid(matrix: Tensor, tol: float = 1e-6) -> Tensor:
    """[N, 3, 3] -> [N] bool: the map sends pixel centres to pixel centres
    (integer linear part and shift: flips, integer translations)."""
    top = matrix[:, :2].double()
    return ((top - top.round()).abs() < tol).flatten(1).all(dim=1)


def _border_index(index: Tensor, size: int, border: str) -> Tuple[Tensor, Tensor]:
    """Integer pixel indices -> (indices inside [0, size), inside-image mask)."""
    inside = (index >= 0) & (index <= size - 1)
    if border == 'reflect' and size > 1:
        period = 2 * (size - 1)
        index = index.remainder(period)
        index = torch.where(index > size - 1, period - index, index)
    return index.clamp(0, size - 1), inside


def sample_affine(images: Tensor,
                  matrix: Union[Tensor, np.ndarray],
                  out_size: Optional[Tuple[int, int]] = None,
                  nearest: bool = False,
                  border: str = 'reflect') -> Tensor:
    """``out[u] = images[M u]``: sample images where M sends each output pixel.

    Samples whose map sends pixel centres to pixel centres (flips, integer
    shifts) are gathered, so they come back bit-exact; the others are
    resampled by ``grid_sample``. With ``matrix`` on the CPU (the device
    views draw their maps there) only the needed path runs; with ``matrix``
    on an accelerator both run and are merged, so that no data-dependent
    branch makes it wait for the host.

    Args:
        images (Tensor): [N, C, H, W] floating point.
        matrix (Tensor | np.ndarray): [N, 3, 3] maps from output to input
            pixels (numpy: on the host).
        out_size (tuple, optional): (H', W'); defaults to (H, W).
        nearest (bool): nearest-neighbour instead of bilinear.
        border (str): 'reflect', 'constant' (zeros) or 'replicate'.

    Returns:
        Tensor: [N, C, H', W'].
    """
    n, c, h, w = images.shape
    out_h, out_w = out_size or (h, w)
    if isinstance(matrix, np.ndarray):
        matrix = torch.from_numpy(matrix)
    exact = on_pixel_grid(matrix)
    # Branching on `exact` costs nothing when it is known on the host.
    on_host = exact.device.type == 'cpu'
    matrix, exact = matrix.to(images.device), exact.to(images.device)
    out = None
    if not on_host or not bool(exact.all()):
        grid = normalise_grid(map_pixels(matrix, out_h, out_w), h, w).to(images.dtype)
        out = F.grid_sample(images, grid, mode='nearest' if nearest else 'bilinear',
                            padding_mode=GRID_PADDING[border], align_corners=True)
    if not on_host or bool(exact.any()):
        source = map_pixels(matrix.double().round(), out_h, out_w).round().long()
        xs, inside_x = _border_index(source[..., 0], w, border)
        ys, inside_y = _border_index(source[..., 1], h, border)
        index = (ys * w + xs).flatten(1)[:, None].expand(n, c, -1)  # [N, C, H'W']
        gathered = images.flatten(2).gather(2, index).view(n, c, out_h, out_w)
        if border == 'constant':
            gathered = gathered * (inside_x & inside_y)[:, None].to(images.dtype)
        out = gathered if out is None else torch.where(exact.view(n, 1, 1, 1), gathered, out)
    return out


def warp_batch(images: Tensor,
               matrix: Union[Tensor, np.ndarray],
               out_size: Optional[Tuple[int, int]] = None,
               nearest: bool = False,
               border: str = 'reflect') -> Tensor:
    """A batch on its device: ``out[M u] = images[u]``, as :func:`warp`
    (bit-exact for flips and integer shifts, see :func:`sample_affine`).

    Args:
        images (Tensor): [N, C, H, W] floating point.
        matrix (Tensor | np.ndarray): [N, 3, 3] maps from input to output
            pixels.
        out_size (tuple, optional): (H', W'); defaults to (H, W).
        nearest (bool): nearest-neighbour instead of bilinear sampling.
        border (str): 'reflect', 'constant' (zeros) or 'replicate'.

    Returns:
        Tensor: [N, C, H', W'].
    """
    inverse = np.linalg.inv(matrix) if isinstance(matrix, np.ndarray) else torch.linalg.inv(
        matrix.double())
    return sample_affine(images, inverse, out_size, nearest, border)


__all__ = [
    'AFFINE_DRAWS', 'BORDERS', 'affine_from_uniforms', 'centred_affine', 'crop_resize_matrix',
    'map_pixels', 'mirror', 'normalise_grid', 'on_pixel_grid', 'rotation_matrix',
    'sample_affine', 'warp', 'warp_batch'
]
