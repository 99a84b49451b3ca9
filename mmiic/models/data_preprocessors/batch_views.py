"""IIC's paired views made on the model's device, one batch at a time.

The CPU data workers only load, resize and crop (uint8, one copy per image);
these modules, owned by :class:`IICDataPreprocessor` (``batch_views=...``),
draw every sample's views with :func:`counter_uniforms` and warp each view
once with :func:`warp_batch`, from one matrix composed of all its geometric
steps. Their configs take the same transforms and keys as the CPU pipeline
steps they replace (:class:`IICPairedViews`, :class:`IICDenseViews`).

``seed`` and ``step`` are persistent buffers: they travel in checkpoints,
so a resumed run continues the same sequence of views.
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmengine.dist import broadcast, get_rank
from torch import Tensor

from mmiic.datasets.transforms import (IICCenterCropResize, IICRandomAffine, IICRandomColorJitter,
                                       IICRandomCropResize, IICRandomGreyscale,
                                       IICRandomHorizontalFlip, IICRandomRotation)
from mmiic.datasets.transforms.geometry import (AFFINE_DRAWS, BORDERS, affine_from_uniforms,
                                                crop_resize_matrix, on_pixel_grid, rotation_matrix,
                                                sample_affine, warp_batch)
from mmiic.datasets.transforms.photometric import greyscale, jitter, jitter_factors
from mmiic.registry import MODELS, TRANSFORMS
from mmiic.visualization import channel_order_of
from .counter_rng import counter_uniforms

GEOMETRIC = (IICCenterCropResize, IICRandomCropResize, IICRandomHorizontalFlip, IICRandomRotation,
             IICRandomAffine)
PHOTOMETRIC = (IICRandomColorJitter, IICRandomGreyscale)
CROPS = (IICCenterCropResize, IICRandomCropResize)
JITTER_DRAWS = 8
MAX_DRAWS = 8  # the most uniforms one step takes


def _jitter(images: Tensor, u: np.ndarray, step: IICRandomColorJitter, bgr: np.ndarray) -> Tensor:
    """The colour jitter of ``step`` with [N, 8] uniforms: four factors, then
    four keys whose ranks give each sample's order of the steps; ``bgr``
    ([N] bool) marks the samples in BGR order."""
    active = step.active_steps(images.shape[1])
    if not active:
        return images
    factors = jitter_factors(u[:, :4], step.brightness, step.contrast, step.saturation, step.hue)
    ranks = u[:, 4:4 + len(active)].argsort(axis=1)  # a uniform random order per sample
    order = np.asarray(active)[ranks]
    return jitter(images, factors, order, with_mean=1 in active, bgr=bgr)


def _bgr_flags(data_samples: Optional[list], count: int) -> np.ndarray:
    """[count] bool: the samples whose images are in BGR order, as their pack
    step recorded it (``channel_order`` in the metainfo; BGR, mmcv's order,
    when none is recorded). Colour jitter and greyscale act on true colours."""
    if not data_samples:
        return np.full(count, channel_order_of(None) == 'bgr')
    return np.array([channel_order_of(sample) == 'bgr' for sample in data_samples])


class _SeededViews(nn.Module):
    """Holds the counter (seed, step) of the view draws.

    The draws and the per-sample matrices are computed on the host (a few
    numbers per sample) and only the pixel work runs on the device, so
    nothing waits for the device. ``seed`` and ``step`` are mirrored in
    buffers for checkpoints.

    All ranks share one seed (each draws its own views: the rank is part of
    the counter key), as only rank 0's buffers reach the checkpoint.

    Args:
        seed (int, optional): 32-bit seed of the views; drawn from torch's
            generator (seeded by the runner's ``randomness``) when None, on
            rank 0 and sent to the others.
    """

    def __init__(self, seed: Optional[int] = None) -> None:
        super().__init__()
        if seed is None:
            drawn = torch.randint(0, 2**31 - 1, (), dtype=torch.int64)
            # With randomness.diff_rank_seed each rank's generator draws another seed, and a
            # resumed rank > 0 would load rank 0's and continue with other views than the
            # uninterrupted run: take rank 0's from the start (a no-op in one process).
            broadcast(drawn, src=0)
            seed = int(drawn)
        self._seed, self._step = int(seed) & 0xFFFFFFFF, 0
        self.register_buffer('seed', torch.tensor(self._seed, dtype=torch.int64))
        self.register_buffer('step', torch.zeros((), dtype=torch.int64))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        self._seed, self._step = int(self.seed), int(self.step)

    def _uniforms(self, count: int, stream: int, num: int) -> np.ndarray:
        """[count, num] float64 uniforms on the host for this step."""
        return counter_uniforms(self._seed, self._step, get_rank(), count, stream, num)

    def _next_step(self) -> None:
        self._step += 1
        self.step.fill_(self._step)  # asynchronous on an accelerator

    @staticmethod
    def _check(images: Tensor) -> None:
        if images.dim() != 4:
            raise ValueError('device views need one image per sample, inputs [B, C, H, W]; got '
                             f'{tuple(images.shape)}: drop the CPU view step (IICPairedViews / '
                             'IICDenseViews) from the train pipeline when batch_views is set')


@MODELS.register_module()
class IICBatchPairedViews(_SeededViews):
    """Device counterpart of :class:`IICPairedViews` (image clustering).

    Takes the same ``view_pipeline`` / ``pair_pipeline`` transform configs;
    in each, geometric steps (IICCenterCropResize, IICRandomCropResize,
    IICRandomHorizontalFlip, IICRandomRotation, IICRandomAffine) come before
    photometric ones (IICRandomColorJitter, IICRandomGreyscale). The
    geometric steps of a view compose into one matrix and one bilinear
    resampling of the loaded image; outside the image it is zero-filled if a
    step fills (rotation, affine) and edge-replicated otherwise, and a
    filling step after a crop or after another filling step fills outside
    its input frame (as the CPU steps do).

    Args:
        view_pipeline (list[dict]): steps of the first view x.
        pair_pipeline (list[dict]): steps of each paired view g x.
        num_repeats (int): r paired views per image. Defaults to 1.
        seed (int, optional): see :class:`_SeededViews`.
    """

    def __init__(self, view_pipeline: List[dict], pair_pipeline: List[dict],
                 num_repeats: int = 1, seed: Optional[int] = None) -> None:
        super().__init__(seed)
        if num_repeats < 1:
            raise ValueError(f'num_repeats must be >= 1, got {num_repeats}')
        self.view_steps = self._build(view_pipeline, 'view_pipeline')
        self.pair_steps = self._build(pair_pipeline, 'pair_pipeline')
        self.num_repeats = num_repeats

    @staticmethod
    def _build(pipeline: Sequence[dict], name: str) -> list:
        steps = [TRANSFORMS.build(cfg) if isinstance(cfg, dict) else cfg for cfg in pipeline]
        photometric_seen = False
        for step in steps:
            if isinstance(step, PHOTOMETRIC):
                photometric_seen = True
            elif not isinstance(step, GEOMETRIC):
                raise TypeError(f'{name}: {type(step).__name__} has no device version; use '
                                f'{[t.__name__ for t in GEOMETRIC + PHOTOMETRIC]}')
            elif photometric_seen:
                raise ValueError(f'{name}: geometric step {type(step).__name__} follows a '
                                 'photometric one; put the geometric steps first')
        return steps

    @staticmethod
    def _geometry(step, u: np.ndarray,
                  size: Tuple[int, int]) -> Tuple[np.ndarray, Tuple[int, int], bool]:
        """One geometric step for N samples on the host: ([N, 3, 3] matrix,
        output size, whether it fills from outside the image)."""
        h, w = size
        n = u.shape[0]
        if isinstance(step, (IICCenterCropResize, IICRandomCropResize)):
            sides = step.crop_sizes if isinstance(step, IICRandomCropResize) else [step.crop_size]
            if max(sides) > min(h, w):
                raise ValueError(f'{type(step).__name__}: crop size {max(sides)} exceeds the '
                                 f'loaded images ({h}x{w})')
            if isinstance(step, IICCenterCropResize):
                side = np.full(n, float(step.crop_size))
                x0, y0 = (w - side) // 2, (h - side) // 2
            else:
                choices = np.asarray(sides, dtype=np.float64)
                side = choices[np.minimum((u[:, 0] * len(sides)).astype(int), len(sides) - 1)]
                x0, y0 = np.floor(u[:, 1] * (w - side + 1)), np.floor(u[:, 2] * (h - side + 1))
            boxes = np.stack([x0, y0, side, side], -1)
            return crop_resize_matrix(boxes, step.out_size), step.out_size, False
        if isinstance(step, IICRandomHorizontalFlip):
            flip = np.zeros((n, AFFINE_DRAWS))
            flip[:, 5] = u[:, 0]
            return affine_from_uniforms(flip, h, w, hflip_prob=step.prob), size, False
        if isinstance(step, IICRandomRotation):
            angle = step.max_angle * (2 * u[:, 0] - 1) * (u[:, 1] < step.prob)
            return rotation_matrix(angle, h, w), size, True
        draws = np.concatenate([u[:, :5], np.ones((n, 2))], 1)  # no flips
        return affine_from_uniforms(draws, h, w, hflip_prob=0.0, **step.args), size, True

    def _view(self, images: Tensor, steps: list, view: int, bgr: np.ndarray) -> Tensor:
        """[B, C, H, W] float -> one view [B, C, H', W'] through ``steps``
        (``bgr``: [B] bool, the samples in BGR order)."""
        n = images.shape[0]
        matrix = np.broadcast_to(np.eye(3), (n, 3, 3))
        size, fills, reframed = tuple(images.shape[-2:]), False, False
        # (loaded image -> input frame, frame size) of the filling steps whose input frame is not
        # the loaded image's: after a crop, or after another filling step.
        windows = []
        geometric = [step for step in steps if isinstance(step, GEOMETRIC)]
        for index, step in enumerate(geometric):
            step_matrix, out_size, step_fills = self._geometry(
                step, self._uniforms(n, view * 64 + index, MAX_DRAWS), size)
            if step_fills and reframed:
                windows.append((matrix, size))
            reframed = reframed or step_fills or isinstance(step, CROPS)
            matrix, size, fills = step_matrix @ matrix, out_size, fills or step_fills
        # As the CPU steps: a rotation/affine after a crop (or after another rotation/affine)
        # fills outside its input frame with zeros; it does not show the loaded image that lies
        # beyond that frame (around the crop, or turned out of the frame by the earlier step).
        loaded, ones = tuple(images.shape[-2:]), images.new_ones((n, 1, 1, 1))
        after = []
        for before, frame in windows:
            # Unscaled, axis-aligned crops (pixel centres onto pixel centres): zeroing the
            # loaded pixels outside the crop before the one resampling blends the crop's edge
            # with zeros exactly as the CPU warp of the crop does. Other samples (resized or
            # turned crops) multiply the view by the warped crop window afterwards, which
            # stays closer to the CPU's two resamplings there.
            exact = on_pixel_grid(torch.from_numpy(np.ascontiguousarray(before)))
            exact = exact.view(n, 1, 1, 1).to(images.device)
            inside = sample_affine(images.new_ones((n, 1) + tuple(frame)), before, loaded,
                                   nearest=True, border='constant')
            images = images * torch.where(exact, inside, ones)
            after.append((before, frame, exact))
        images = warp_batch(images, matrix, size, border='constant' if fills else 'replicate')
        for before, frame, exact in after:
            if bool(exact.all()):
                continue
            inside = warp_batch(images.new_ones((n, 1) + tuple(frame)),
                                matrix @ np.linalg.inv(before), size, border='constant')
            images = images * torch.where(exact, ones, inside)
        for index, step in enumerate(steps[len(geometric):], start=len(geometric)):
            u = self._uniforms(n, view * 64 + index, MAX_DRAWS)
            if isinstance(step, IICRandomColorJitter):
                images = _jitter(images, u, step, bgr)
            else:
                images = greyscale(images, u[:, 0] < step.prob, bgr)
        return images

    def forward(self, images: Tensor, data_samples: Optional[list] = None) -> Tuple[Tensor, list]:
        """Args:
            images (Tensor): [B, C, H, W] loaded images (uint8 or float, 0-255).
            data_samples (list, optional): passed through; their
                ``channel_order`` tells the colour steps the images' order.

        Returns:
            tuple: views [B, 1 + r, C, H', W'] float in [0, 255], data_samples.
        """
        self._check(images)
        images = images.float()
        bgr = _bgr_flags(data_samples, images.shape[0])
        views = [self._view(images, self.view_steps, 0, bgr)]
        views += [self._view(images, self.pair_steps, 1 + i, bgr) for i in range(self.num_repeats)]
        shapes = {tuple(v.shape[-2:]) for v in views}
        if len(shapes) != 1:
            raise ValueError(f'all views must have one shape to be batched, got {sorted(shapes)}; '
                             'give the view and pair pipelines the same out_size')
        self._next_step()
        return torch.stack(views, 1), data_samples


@MODELS.register_module()
class IICBatchDenseViews(_SeededViews):
    """Device counterpart of :class:`IICDenseViews` (segmentation).

    Same arguments as :class:`IICDenseViews` (plus ``seed``). Reads the
    cropped images and their ``gt_sem_seg``; returns the view pairs and
    writes ``view_affine``, ``valid_mask`` and ``valid_mask_t`` into each
    data sample's metainfo, as the CPU step does.
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
                 ignore_index: int = 255,
                 seed: Optional[int] = None) -> None:
        super().__init__(seed)
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

    def forward(self, images: Tensor, data_samples: list) -> Tuple[Tensor, list]:
        """Args:
            images (Tensor): [B, C, H, W] cropped images (uint8 or float, 0-255).
            data_samples (list[SegDataSample]): with ``gt_sem_seg`` when
                ignored pixels are to be masked, and the ``channel_order``
                the pack step records (the jitter acts on true colours).

        Returns:
            tuple: view pairs [B, 2, C, H, W] float in [0, 255], data_samples.
        """
        self._check(images)
        n, _, h, w = images.shape
        first = images.float()
        matrix = affine_from_uniforms(self._uniforms(n, 0, AFFINE_DRAWS), h, w, **self.affine_args)
        second = warp_batch(first, matrix, border=self.border)
        bgr = _bgr_flags(data_samples, n)
        if self.jitter is not None:
            second = _jitter(second, self._uniforms(n, 1, JITTER_DRAWS), self.jitter, bgr)
        if self.first_view_jitter is not None:
            first = _jitter(first, self._uniforms(n, 2, JITTER_DRAWS), self.first_view_jitter, bgr)
        labels = None
        if self.mask_ignored and data_samples and 'gt_sem_seg' in data_samples[0]:
            labels = torch.stack([ds.gt_sem_seg.data[0] for ds in data_samples]).to(images.device)
            if labels.shape[-2:] != (h, w):
                raise ValueError(f'images {h}x{w} and labels {tuple(labels.shape[-2:])} '
                                 'sizes differ')
        if labels is None:
            valid = images.new_ones((n, h, w), dtype=torch.uint8)
        else:
            valid = (labels != self.ignore_index).to(torch.uint8)
        # As conservative_warp of the CPU step: a second-view pixel is valid only
        # if every pixel its bilinear warp reads is inside and valid.
        mass = warp_batch(valid[:, None].float(), matrix, border='constant')
        valid_t = (mass[:, 0] >= 1 - 1e-3).to(torch.uint8)
        affine = torch.from_numpy(matrix).float()  # on the host, as the CPU step leaves it
        for i, sample in enumerate(data_samples):
            # set_metainfo deep-copies: a slice would copy the whole batch's storage.
            sample.set_metainfo(dict(view_affine=affine[i].clone(), valid_mask=valid[i].clone(),
                                     valid_mask_t=valid_t[i].clone()))
        self._next_step()
        return torch.stack([first, second], 1), data_samples
