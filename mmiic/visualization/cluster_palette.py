"""Colours for cluster ids and the pictures built from them.

Clusters are not classes: cluster 3 of an unsupervised model has no name and
no fixed class, so predictions are painted with a palette of the clusters
(``cluster_palette``), never with a data set's class palette.
"""
import colorsys
from typing import Optional, Sequence

import cv2
import numpy as np


def cluster_palette(num_clusters: int) -> np.ndarray:
    """``num_clusters`` distinct, reproducible RGB colours.

    Hues step by the golden ratio (neighbouring ids get far-apart hues) and
    brightness cycles through three levels, so even 45 or 81 overclusters
    stay distinguishable.

    Args:
        num_clusters (int): k >= 1.

    Returns:
        np.ndarray: [k, 3] uint8 RGB.
    """
    if num_clusters < 1:
        raise ValueError(f'num_clusters must be >= 1, got {num_clusters}')
    colours = []
    for i in range(num_clusters):
        hue = (i * 0.618033988749895) % 1.0
        value = (1.0, 0.75, 0.55)[i % 3]
        colours.append(colorsys.hsv_to_rgb(hue, 0.8, value))
    return np.round(np.array(colours) * 255).astype(np.uint8)


def paint_clusters(ids: np.ndarray, palette: np.ndarray, ignore_index: Optional[int] = None,
                   ignore_color: Sequence[int] = (0, 0, 0)) -> np.ndarray:
    """Colour an id map.

    Args:
        ids (np.ndarray): [H, W] int ids in ``[0, len(palette))``.
        palette (np.ndarray): [k, 3] uint8 RGB.
        ignore_index (int, optional): id painted ``ignore_color``.
        ignore_color (Sequence[int]): RGB. Defaults to black.

    Returns:
        np.ndarray: [H, W, 3] uint8 RGB.
    """
    ids = np.asarray(ids).astype(np.int64)
    keep = np.ones(ids.shape, bool) if ignore_index is None else ids != ignore_index
    if keep.any() and (ids[keep].min() < 0 or ids[keep].max() >= len(palette)):
        raise ValueError(f'ids must lie in [0, {len(palette)}), got '
                         f'[{ids[keep].min()}, {ids[keep].max()}]')
    out = np.empty(ids.shape + (3, ), np.uint8)
    out[...] = np.asarray(ignore_color, np.uint8)
    out[keep] = palette[ids[keep]]
    return out


def overlay_clusters(image: np.ndarray, clusters: np.ndarray, alpha: float = 0.5,
                     palette: Optional[np.ndarray] = None) -> np.ndarray:
    """Blend the colours of a cluster map over an image.

    Args:
        image (np.ndarray): [H, W] or [H, W, C] image (RGB when C >= 3), any
            dtype (see :func:`to_rgb_uint8`).
        clusters (np.ndarray): [H, W] integer cluster ids.
        alpha (float): weight of the colours.
        palette (np.ndarray, optional): [k, 3] uint8; defaults to
            :func:`cluster_palette` of ``clusters.max() + 1``.

    Returns:
        np.ndarray: [H, W, 3] uint8 RGB.
    """
    clusters = np.asarray(clusters)
    if clusters.shape != image.shape[:2]:
        raise ValueError(f'cluster map {clusters.shape} and image {image.shape[:2]} differ in size')
    if palette is None:
        palette = cluster_palette(int(clusters.max()) + 1)
    colours = paint_clusters(clusters, palette).astype(np.float64)
    blend = to_rgb_uint8(image) * (1 - alpha) + colours * alpha
    return blend.round().astype(np.uint8)


def to_rgb_uint8(image: np.ndarray) -> np.ndarray:
    """Any [H, W], [H, W, 1], [H, W, C >= 3] image -> [H, W, 3] uint8 for display.

    Channels beyond the third (e.g. Potsdam's infrared) are dropped; float or
    wider ranges are min-max stretched.
    """
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3:
        raise ValueError(f'image must be [H, W] or [H, W, C], got shape {image.shape}')
    image = np.repeat(image, 3, axis=2) if image.shape[2] < 3 else image[..., :3]
    if image.dtype != np.uint8:
        image = image.astype(np.float64)
        low, high = image.min(), image.max()
        image = ((image - low) / (high - low if high > low else 1.0) * 255).round().astype(np.uint8)
    return np.ascontiguousarray(image)


#: Channel order of images whose pipeline does not record one: OpenMMLab's
#: loaders (mmcv ``LoadImageFromFile``) give BGR; ``mmiic.LoadIICImage`` records
#: 'rgb' (or 'bgr') in ``results['channel_order']``, which the mmiic pack
#: transforms copy into the data sample's metainfo.
DEFAULT_CHANNEL_ORDER = 'bgr'


def channel_order_of(sample) -> str:
    """The ``channel_order`` a data sample (or metainfo dict) records, else 'bgr'."""
    if sample is None:
        return DEFAULT_CHANNEL_ORDER
    meta = sample.metainfo if hasattr(sample, 'metainfo') else sample
    order = meta.get('channel_order', DEFAULT_CHANNEL_ORDER)
    if order not in ('rgb', 'bgr'):
        raise ValueError(f"channel_order must be 'rgb' or 'bgr', got {order!r}")
    return order


def to_display_rgb(image, channel_order: str = DEFAULT_CHANNEL_ORDER) -> np.ndarray:
    """A loaded image -> [H, W, 3] uint8 RGB for display.

    The one place where mmiic's pictures (``browse_dataset.py``, the
    visualization and training hooks) turn network inputs into RGB.

    Args:
        image (np.ndarray | torch.Tensor): [H, W], [H, W, C] array, or a
            [C, H, W] tensor as packed.
        channel_order (str): order of the first three channels, 'rgb' or
            'bgr' (see :func:`channel_order_of`).

    Returns:
        np.ndarray: [H, W, 3] uint8 (see :func:`to_rgb_uint8`).
    """
    if hasattr(image, 'detach'):  # a packed [C, H, W] tensor
        image = image.detach().cpu().numpy().transpose(1, 2, 0)
    image = np.asarray(image)
    if channel_order not in ('rgb', 'bgr'):
        raise ValueError(f"channel_order must be 'rgb' or 'bgr', got {channel_order!r}")
    if channel_order == 'bgr' and image.ndim == 3 and image.shape[2] >= 3:
        image = image[..., 2::-1]
    return to_rgb_uint8(image)


def draw_legend(palette: np.ndarray, width: int, prefix: str = 'cluster',
                row_height: int = 14) -> np.ndarray:
    """A strip of colour swatches labelled ``{prefix} i``.

    Returns:
        np.ndarray: [rows * row_height, width, 3] uint8 RGB.
    """
    cell = 90
    per_row = max(1, width // cell)
    rows = -(-len(palette) // per_row)
    strip = np.full((rows * row_height, width, 3), 255, np.uint8)
    for i, colour in enumerate(palette):
        y, x = (i // per_row) * row_height, (i % per_row) * cell
        strip[y + 2:y + row_height - 2, x + 2:x + 14] = colour
        cv2.putText(strip, f'{prefix} {i}', (x + 17, y + row_height - 4), cv2.FONT_HERSHEY_SIMPLEX,
                    0.33, (0, 0, 0), 1, cv2.LINE_AA)
    return strip


def label_panel(image: np.ndarray, text: str, height: int = 16) -> np.ndarray:
    """``image`` [H, W, 3] with a white caption bar of ``text`` on top."""
    bar = np.full((height, image.shape[1], 3), 255, np.uint8)
    cv2.putText(bar, text, (3, height - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1,
                cv2.LINE_AA)
    return np.concatenate([bar, image], axis=0)


def hstack_panels(panels: Sequence[np.ndarray], gap: int = 4) -> np.ndarray:
    """Side by side, top aligned, on white; panels are [H_i, W_i, 3] uint8."""
    height = max(p.shape[0] for p in panels)
    width = sum(p.shape[1] for p in panels) + gap * (len(panels) - 1)
    out = np.full((height, width, 3), 255, np.uint8)
    x = 0
    for panel in panels:
        out[:panel.shape[0], x:x + panel.shape[1]] = panel
        x += panel.shape[1] + gap
    return out


def vstack_panels(panels: Sequence[np.ndarray], gap: int = 4) -> np.ndarray:
    """One above the other, left aligned, on white."""
    width = max(p.shape[1] for p in panels)
    height = sum(p.shape[0] for p in panels) + gap * (len(panels) - 1)
    out = np.full((height, width, 3), 255, np.uint8)
    y = 0
    for panel in panels:
        out[y:y + panel.shape[0], :panel.shape[1]] = panel
        y += panel.shape[0] + gap
    return out


def upscale(image: np.ndarray, min_side: int = 96) -> np.ndarray:
    """Nearest-neighbour enlarge small images (MNIST, CIFAR) for viewing."""
    factor = max(1, int(np.ceil(min_side / max(1, min(image.shape[:2])))))
    if factor == 1:
        return image
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def frame_in_colour(image: np.ndarray, colour: np.ndarray, text: str,
                    border: int = 6) -> np.ndarray:
    """An image's cluster as a picture: ``image`` [H, W, 3] uint8 RGB framed
    in the cluster's ``colour`` under a caption ``text``.

    Returns:
        np.ndarray: [H + 2 * border + 16, W + 2 * border, 3] uint8 RGB.
    """
    framed = np.empty((image.shape[0] + 2 * border, image.shape[1] + 2 * border, 3), np.uint8)
    framed[...] = colour
    framed[border:-border, border:-border] = image
    return label_panel(framed, text)


def draw_prediction(image: np.ndarray, sample) -> np.ndarray:
    """Picture of one test prediction, painted by cluster.

    Args:
        image (np.ndarray): [H, W, C] the (first view) image the model saw,
            RGB order.
        sample: a ``SegDataSample`` with ``pred_sem_seg`` (and ``seg_logits``
            for the number of clusters), or an mmpretrain ``DataSample``
            with ``pred_label`` (and ``main_num_clusters``).

    Returns:
        np.ndarray: [H', W', 3] uint8 RGB.
    """
    rgb = to_rgb_uint8(image)
    if 'pred_sem_seg' in sample:
        ids = sample.pred_sem_seg.data.squeeze(0).cpu().numpy()
        k = (sample.seg_logits.data.shape[0] if 'seg_logits' in sample else int(ids.max()) + 1)
        if ids.shape != rgb.shape[:2]:
            # Predictions are at the original size, the input may be resized.
            ids = cv2.resize(ids.astype(np.int32), rgb.shape[1::-1],
                             interpolation=cv2.INTER_NEAREST)
        palette = cluster_palette(k)
        panels = hstack_panels([label_panel(rgb, 'image'),
                                label_panel(paint_clusters(ids, palette), f'clusters (k = {k})')])
        return vstack_panels([panels, draw_legend(palette, panels.shape[1])])
    if 'pred_label' in sample:
        cluster = int(sample.pred_label.reshape(-1)[0])
        k = int(sample.get('main_num_clusters', cluster + 1))
        return frame_in_colour(upscale(rgb), cluster_palette(k)[cluster], f'cluster {cluster}')
    raise ValueError('cannot draw a sample with neither pred_sem_seg nor pred_label; '
                     f'it has {sorted(sample.keys())}')
