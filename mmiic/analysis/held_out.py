"""Predictions of held-out images for choosing settings without labels.

Used by ``tools/analysis_tools/sweep_settings.py``: the main head's outputs
on images a run did not train on, from which
:mod:`mmiic.analysis.selection_signals` computes the label-free
signals; and, kept apart, the labels of those images, read only for the
report once the ranking is fixed.
"""
from typing import Any, Dict, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.runner import Runner

from mmiic.datasets.transforms.view_randomness import seeded_random_state
from mmiic.models.losses import dense_iic_loss
from mmiic.models.wrappers import unwrap_model


@torch.no_grad()
def predict_view_probs(model: torch.nn.Module, loader) -> np.ndarray:
    """Main-head probabilities of held-out images and their paired views.

    Args:
        model (nn.Module): an :class:`IICClassifier`.
        loader (DataLoader): images through a pipeline with ``IICPairedViews``,
            not shuffled.

    Returns:
        np.ndarray: [n, h, 1 + r, k], in the loader's order.
    """
    model = unwrap_model(model)
    model.eval()
    probs = []
    for batch in loader:
        for sample in model.test_step(batch):
            probs.append(torch.as_tensor(sample.get('main_view_probs')).float().numpy())
    return np.stack(probs)


def dense_scoring(model: torch.nn.Module) -> Dict[str, Any]:
    """How a segmentor scores pairs (its main head's displacement, per-shift
    scoring and loss resolution), to score other models the same way."""
    model = unwrap_model(model)
    loss_fn = model.cluster_heads.losses['main']
    return dict(displacement=loss_fn.displacement, per_displacement=loss_fn.per_displacement,
                loss_at_input_size=model.decode_head.loss_at_input_size)


@torch.no_grad()
def dense_heldout_losses(model: torch.nn.Module, loader, scoring: Dict[str, Any]) -> np.ndarray:
    """[h] dense IIC loss (lamb = 1) of the main head's sub-heads on held-out pairs.

    The segmentor's own pairing of the views (alignment and masks,
    :meth:`IICHead.align_views`) scored by :func:`dense_iic_loss`, averaged
    over the held-out batches, with a fixed yardstick (``scoring`` from
    :func:`dense_scoring` of a reference model, so that models trained with
    other displacements are scored alike; the model's own loss settings are
    not read), and with numpy's, Python's and torch's generators seeded so
    that every model sees the same pairs (all restored afterwards; the
    loader must load in this process, ``num_workers=0``).

    Args:
        model (nn.Module): an :class:`IICSegmentor`.
        loader (DataLoader): held-out images through a pipeline with
            ``IICDenseViews``.
        scoring (dict): ``displacement``, ``per_displacement``,
            ``loss_at_input_size``.

    Returns:
        np.ndarray: [h] mean loss per sub-head.
    """
    model = unwrap_model(model)
    model.eval()
    head = model.decode_head
    total, count = np.zeros(head.cluster_heads.num_subheads), 0
    # The same view pairs for every model (the data preprocessor's views draw from these).
    with seeded_random_state(0):
        for batch in loader:
            data = model.data_preprocessor(batch, False)
            probs = head(model.extract_view_feat(data['inputs']), ['main'])['main']
            first, aligned, mask, valid = head.align_views(
                probs, data['data_samples'], loss_at_input_size=scoring['loss_at_input_size'])
            losses = dense_iic_loss(first, aligned, scoring['displacement'], lamb=1.0, mask=mask,
                                    mask_t=valid, per_displacement=scoring['per_displacement'])
            size = data['inputs'].shape[0]
            total += size * losses.double().cpu().numpy()
            count += size
    return total / count


@torch.no_grad()
def dense_probs(model: torch.nn.Module, loader,
                pixels_per_image: int) -> Tuple[np.ndarray, np.ndarray]:
    """Main-head probabilities of held-out pixels, at the resolution the loss sees.

    That is the input size for a segmentor with ``loss_at_input_size`` (the
    default: the head's output upsampled bilinearly, as in training), so that
    settings with trunks of different strides score the same pixels; the
    head's own resolution otherwise.

    Args:
        pixels_per_image (int): evenly spaced output pixels kept per image
            (:func:`pixel_selection`), so that memory stays bounded on large
            images.

    Returns:
        tuple: [P, h, k] probabilities of the kept pixels of all images (image
        by image) and [m, 2] output (h', w') of each image.
    """
    model = unwrap_model(model)
    model.eval()
    probs, shapes = [], []
    for batch in loader:
        inputs = model.data_preprocessor(batch, False)['inputs']
        inputs = inputs[:, 0] if inputs.dim() == 5 else inputs
        out = model.decode_head(model.extract_feat(inputs), ['main'])['main']  # [h, N, k, h', w']
        if model.decode_head.loss_at_input_size and out.shape[-2:] != inputs.shape[-2:]:
            out = F.interpolate(out.flatten(0, 1), size=inputs.shape[-2:], mode='bilinear',
                                align_corners=model.align_corners).view(
                                    *out.shape[:3], *inputs.shape[-2:])
        keep = torch.from_numpy(pixel_selection(out.shape[-2] * out.shape[-1], pixels_per_image))
        for i in range(out.shape[1]):
            pixels = out[:, i].permute(2, 3, 0, 1).flatten(0, 1)  # [h' w', h, k]
            probs.append(pixels[keep.to(pixels.device)].float().cpu().numpy())
            shapes.append(out.shape[-2:])
    return np.concatenate(probs), np.array(shapes, dtype=np.int64)


def pixel_selection(num_pixels: int, max_pixels: int) -> np.ndarray:
    """Evenly spaced indices of at most ``max_pixels`` of ``num_pixels`` (row-major)."""
    return np.unique(np.linspace(0, num_pixels - 1, min(num_pixels, max_pixels)).astype(np.int64))


def held_out_labels(dataset) -> Optional[np.ndarray]:
    """[n] ``gt_label`` of a data set's images (-1 where none), or None without any.

    Read from the data list, without running the pipeline.
    """
    labels = np.array([dataset.get_data_info(i).get('gt_label', -1) for i in range(len(dataset))],
                      dtype=np.int64).reshape(-1)
    return labels if (labels >= 0).any() else None


def held_out_pixel_labels(loader: dict, shapes: np.ndarray, pixels_per_image: int,
                          ignore_index: int = 255) -> Optional[np.ndarray]:
    """[P] labels of the held-out pixels :func:`dense_probs` kept (-1: ignored).

    Each label map is resized (nearest) to its image's output size.

    Args:
        loader (dict): loader config, batch size 1, the same images and
            pipeline as the predictions plus an annotation loader.
        shapes (np.ndarray): [m, 2] output (h', w') of each image.
        pixels_per_image (int): as given to :func:`dense_probs`.
        ignore_index (int): label of unlabelled pixels. Defaults to 255.

    Returns:
        np.ndarray | None: [P] labels; None when the samples carry no
        ``gt_sem_seg``.
    """
    labels = []
    for batch, shape in zip(Runner.build_dataloader(loader, seed=0), shapes):
        sample = batch['data_samples'][0]
        if 'gt_sem_seg' not in sample:
            return None
        seg = sample.gt_sem_seg.data.reshape(1, 1, *sample.gt_sem_seg.data.shape[-2:]).float()
        small = F.interpolate(seg, size=tuple(int(v) for v in shape), mode='nearest')
        keep = pixel_selection(int(shape[0] * shape[1]), pixels_per_image)
        labels.append(small.reshape(-1).long().numpy()[keep])
    labels = np.concatenate(labels)
    labels[labels == ignore_index] = -1
    return labels


__all__ = [
    'predict_view_probs', 'dense_scoring', 'dense_heldout_losses', 'dense_probs',
    'pixel_selection', 'held_out_labels', 'held_out_pixel_labels'
]
