"""Paired views for IIC segmentation with exact inverse alignment.

The second view is the first one warped by a random affine map ``M`` (flip,
rotation, scale, shear, translation) and colour-jittered. ``M`` ([3, 3],
pixel coordinates, x right, y down) maps a first-view pixel to where it lands
in the second view; the segmentor samples the second view's output at
``M u`` to bring it back into the first view's frame (see
:func:`mmiic.models.utils.align_to_first_view`).
"""
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmiic.registry import TRANSFORMS
from mmiic.visualization import channel_order_of
from .geometry import AFFINE_DRAWS, BORDERS, affine_from_uniforms, warp
from .paired_views import stack_views
from .view_randomness import Draws, NumpyDraws
from .view_transforms import IICRandomColorJitter


def conservative_warp(valid: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Validity of the warped view: ``out[p]`` is 1 only if every source pixel
    the bilinear warp of the image reads for ``p`` is valid and inside.

    A nearest-neighbour warp of the mask would keep pixels whose colour mixes
    in ignored (or outside) pixels after a non-grid warp; warping the mask as
    an image with the same interpolation and keeping only full mass does not.
    Flips and integer shifts stay exact.

    Args:
        valid (np.ndarray): [H, W] 0/1 validity of the first view.
        matrix (np.ndarray): [3, 3] map from first- to second-view pixels.

    Returns:
        np.ndarray: [H, W] uint8 validity of the second view.
    """
    mass = warp(valid.astype(np.float32), matrix, border='constant', fill=0)
    return (mass >= 1 - 1e-3).astype(np.uint8)


@TRANSFORMS.register_module()
class IICDenseViews(BaseTransform):
    """Make (x, g x) for dense IIC and pack them with the alignment.

    Reads ``img`` ([H, W, C] uint8, already cropped) and optionally
    ``gt_seg_map`` ([H, W]). Writes ``img`` (first view), ``img_t`` (second
    view), ``view_affine`` ([3, 3] float32), ``valid_mask`` / ``valid_mask_t``
    ([H, W] uint8: pixels that take part in the loss, i.e. labelled when
    ``mask_ignored`` and, for the second view, made only of valid first-view
    pixels: every pixel its bilinear warp reads lies inside the first view
    and is valid there, see :func:`conservative_warp`).

    Args:
        hflip_prob, vflip_prob (float): flip probabilities.
        max_rotation (float): degrees.
        scale_range (tuple): scale factors.
        max_shear (float): degrees.
        max_translation (float): pixels.
        jitter (dict, optional): IICRandomColorJitter args for the second view
            (on the true colours, in the channel order the loader records in
            ``results['channel_order']``, BGR when it records none).
        first_view_jitter (dict, optional): same for the first view.
        border (str): 'reflect' (default; no black borders for the network to
            learn position from) or 'constant'.
        mask_ignored (bool): drop pixels labelled ``ignore_index`` (e.g.
            COCO's "thing" pixels) from the loss. Defaults to True.
        ignore_index (int): Defaults to 255.
    """

    def __init__(self,
                 hflip_prob: float = 0.5,
                 vflip_prob: float = 0.0,
                 max_rotation: float = 0.0,
                 scale_range: Sequence[float] = (1.0, 1.0),
                 max_shear: float = 0.0,
                 max_translation: float = 0.0,
                 jitter: Optional[dict] = None,
                 first_view_jitter: Optional[dict] = None,
                 border: str = 'reflect',
                 mask_ignored: bool = True,
                 ignore_index: int = 255) -> None:
        if border not in BORDERS:
            raise ValueError(f'border must be one of {sorted(BORDERS)}, got {border!r}')
        self.affine_args = dict(hflip_prob=hflip_prob, vflip_prob=vflip_prob,
                                max_rotation=max_rotation, scale_range=tuple(scale_range),
                                max_shear=max_shear, max_translation=max_translation)
        self.jitter = IICRandomColorJitter(**jitter) if jitter else None
        self.first_view_jitter = (IICRandomColorJitter(**first_view_jitter)
                                  if first_view_jitter else None)
        self.border = border
        self.mask_ignored = mask_ignored
        self.ignore_index = ignore_index

    def sample(self, draws: Draws, size: Tuple[int, int], channels: int) -> dict:
        """The draws of N view pairs, for both paths (the CPU ``transform``
        with :class:`NumpyDraws`, :class:`~mmiic.models.IICBatchDenseViews`
        with counter-based ones): ``matrix`` [N, 3, 3] from first- to
        second-view pixels (stream 0), the parameters of ``jitter``
        (stream 1) and of ``first_view_jitter`` (stream 2) when set."""
        u = draws.stream(0).uniforms(0, AFFINE_DRAWS)
        params = dict(matrix=affine_from_uniforms(u, *size, **self.affine_args))
        # The CPU draws in call order: the first view's jitter comes first.
        for stream, name in ((2, 'first_view_jitter'), (1, 'jitter')):
            if getattr(self, name) is not None:
                params[name] = getattr(self, name).sample(draws.stream(stream), size, channels)
        return params

    def transform(self, results: dict) -> dict:
        img = results['img']
        h, w = img.shape[:2]
        seg = results.get('gt_seg_map')
        if seg is not None and seg.shape != (h, w):
            raise ValueError(f'image {img.shape[:2]} and label {seg.shape} sizes differ '
                             f'({results.get("img_path")}, {results.get("seg_map_path")})')
        params = self.sample(NumpyDraws(), (h, w), img.shape[2] if img.ndim == 3 else 1)
        matrix = params['matrix'][0]
        # The jitter acts on true colours: it needs the loader's channel order.
        bgr = channel_order_of(results) == 'bgr'
        first = img
        if self.first_view_jitter is not None:
            first = self.first_view_jitter.apply(img, params['first_view_jitter'], bgr)
        second = warp(img, matrix, border=self.border)
        if self.jitter is not None:
            second = self.jitter.apply(second, params['jitter'], bgr)
        valid = np.ones((h, w), np.uint8)
        if seg is not None and self.mask_ignored:
            valid = (seg != self.ignore_index).astype(np.uint8)
        valid_t = conservative_warp(valid, matrix)
        results.update(img=first, img_t=second, view_affine=matrix.astype(np.float32),
                       valid_mask=valid, valid_mask_t=valid_t)
        return results


@TRANSFORMS.register_module()
class PackIICSegInputs(BaseTransform):
    """Pack ``inputs`` ([2, C, H, W], or [C, H, W] without a second view) and a
    SegDataSample holding ``gt_sem_seg`` and, in its metainfo, the alignment
    (``view_affine``) and the masks (``valid_mask``, ``valid_mask_t``)."""

    def __init__(self, meta_keys: Sequence[str] = ('img_path', 'seg_map_path', 'ori_shape',
                                                   'img_shape', 'scale_factor', 'flip',
                                                   'flip_direction', 'reduce_zero_label',
                                                   'tile_box')) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        from mmengine.structures import PixelData
        from mmseg.structures import SegDataSample
        views = [results['img']] + ([results['img_t']] if 'img_t' in results else [])
        inputs = stack_views(views)
        sample = SegDataSample()
        if 'gt_seg_map' in results:
            sample.gt_sem_seg = PixelData(
                data=torch.from_numpy(results['gt_seg_map'].astype(np.int64))[None])
        meta = {k: results[k] for k in self.meta_keys if k in results}
        meta.setdefault('img_shape', results['img'].shape[:2])
        meta.setdefault('ori_shape', results['img'].shape[:2])
        # How the pictures show the image: mmcv's loaders (BGR) record nothing.
        meta['channel_order'] = results.get('channel_order', 'bgr')
        for key in ('view_affine', 'valid_mask', 'valid_mask_t'):
            if key in results:
                meta[key] = torch.from_numpy(np.ascontiguousarray(results[key]))
        sample.set_metainfo(meta)
        return dict(inputs=inputs if len(views) > 1 else inputs[0], data_samples=sample)
