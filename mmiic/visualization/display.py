"""Images as pictures: any loaded image or packed input -> [H, W, 3] uint8 RGB."""
import numpy as np


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


def upscale(image: np.ndarray, min_side: int = 96) -> np.ndarray:
    """Nearest-neighbour enlarge small images (MNIST, CIFAR) for viewing."""
    factor = max(1, int(np.ceil(min_side / max(1, min(image.shape[:2])))))
    if factor == 1:
        return image
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)
