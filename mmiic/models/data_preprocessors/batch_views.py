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

from mmiic.datasets.transforms import IICDenseViews
from mmiic.datasets.transforms.geometry import on_pixel_grid, sample_affine, warp_batch
from mmiic.datasets.transforms.view_randomness import MAX_DRAWS, CounterDraws, counter_uniforms
from mmiic.datasets.transforms.view_transforms import IICViewStep
from mmiic.registry import MODELS, TRANSFORMS
from mmiic.visualization import channel_order_of


def _view_step_names(cls: type = IICViewStep) -> List[str]:
    """The transforms that have a device version: the view steps."""
    names = []
    for sub in cls.__subclasses__():
        names += ([] if sub.__name__.startswith('_') else [sub.__name__]) + _view_step_names(sub)
    return names


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

    def _draws(self, count: int, stream: int) -> CounterDraws:
        """The draws of ``count`` samples in ``stream`` (and, through
        ``.stream``, the others) for this step."""
        return CounterDraws(lambda other: self._uniforms(count, other, MAX_DRAWS), stream)

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
            if not isinstance(step, IICViewStep):
                raise TypeError(f'{name}: {type(step).__name__} has no device version; use '
                                f'{_view_step_names()}')
            if step.geometric and photometric_seen:
                raise ValueError(f'{name}: geometric step {type(step).__name__} follows a '
                                 'photometric one; put the geometric steps first')
            photometric_seen = photometric_seen or not step.geometric
        return steps

    def _view(self, images: Tensor, steps: list, view: int, bgr: np.ndarray) -> Tensor:
        """[B, C, H, W] float -> one view [B, C, H', W'] through ``steps``
        (``bgr``: [B] bool, the samples in BGR order). Step ``index`` of the
        view draws from stream ``view * 64 + index``."""
        n, channels = images.shape[:2]
        matrix = np.broadcast_to(np.eye(3), (n, 3, 3))
        size, fills, reframed = tuple(images.shape[-2:]), False, False
        # (loaded image -> input frame, frame size) of the filling steps whose input frame is not
        # the loaded image's: after a crop, or after another filling step.
        windows = []
        geometric = [step for step in steps if step.geometric]
        for index, step in enumerate(geometric):
            step.check_input(size, f'{type(step).__name__}, the loaded images')
            params = step.sample(self._draws(n, view * 64 + index), size, channels)
            if step.fills and reframed:
                windows.append((matrix, size))
            reframed = reframed or step.fills or step.crops
            matrix, size = step.matrix(params, size) @ matrix, step.output_size(size)
            fills = fills or step.fills
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
            params = step.sample(self._draws(n, view * 64 + index), size, channels)
            images = step.transform_batch(images, params, bgr)
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

    Takes the arguments of :class:`IICDenseViews` (plus ``seed``) and
    draws the same parameters (:meth:`IICDenseViews.sample`). Reads the
    cropped images and their ``gt_sem_seg``; returns the view pairs and
    writes ``view_affine``, ``valid_mask`` and ``valid_mask_t`` into each
    data sample's metainfo, as the CPU step does.

    Args:
        seed (int, optional): see :class:`_SeededViews`.
        **view_args: the arguments of :class:`IICDenseViews`.
    """

    def __init__(self, seed: Optional[int] = None, **view_args) -> None:
        super().__init__(seed)
        self.views = IICDenseViews(**view_args)

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
        n, channels, h, w = images.shape
        views = self.views
        params = views.sample(self._draws(n, 0), (h, w), channels)
        matrix = params['matrix']
        first = images.float()
        second = warp_batch(first, matrix, border=views.border)
        bgr = _bgr_flags(data_samples, n)
        if views.jitter is not None:
            second = views.jitter.transform_batch(second, params['jitter'], bgr)
        if views.first_view_jitter is not None:
            first = views.first_view_jitter.transform_batch(first, params['first_view_jitter'],
                                                            bgr)
        labels = None
        if views.mask_ignored and data_samples and 'gt_sem_seg' in data_samples[0]:
            labels = torch.stack([ds.gt_sem_seg.data[0] for ds in data_samples]).to(images.device)
            if labels.shape[-2:] != (h, w):
                raise ValueError(f'images {h}x{w} and labels {tuple(labels.shape[-2:])} '
                                 'sizes differ')
        if labels is None:
            valid = images.new_ones((n, h, w), dtype=torch.uint8)
        else:
            valid = (labels != views.ignore_index).to(torch.uint8)
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
