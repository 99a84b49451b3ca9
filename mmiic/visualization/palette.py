"""Colours for cluster ids: clusters are not classes.

A clustering model predicts ids, not class names; any number of them
(overclustering heads predict more ids than there are classes). The palette
gives every id its own colour, the names come only from an explicit
cluster -> class mapping.
"""
import colorsys
import json
from typing import Dict, List, Optional, Sequence

import numpy as np

# Well separated first colours (Kelly's / Tableau-like), then golden-ratio hues.
_BASE = ((230, 25, 75), (60, 180, 75), (0, 130, 200), (255, 225, 25), (245, 130, 48),
         (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212),
         (0, 128, 128), (220, 190, 255), (170, 110, 40), (255, 250, 200), (128, 0, 0),
         (170, 255, 195), (128, 128, 0), (255, 215, 180), (0, 0, 128), (128, 128, 128))


def cluster_palette(num_clusters: int) -> np.ndarray:
    """Distinct RGB colours for cluster ids 0 .. num_clusters - 1.

    Returns:
        np.ndarray: [num_clusters, 3] uint8; the same id always gets the same
        colour, whatever ``num_clusters`` is.
    """
    if num_clusters < 1:
        raise ValueError(f'num_clusters must be >= 1, got {num_clusters}')
    colours = [tuple(c) for c in _BASE[:num_clusters]]
    golden = 0.618033988749895
    for i in range(len(colours), num_clusters):
        hue = (i * golden) % 1.0
        value = 0.95 if (i // len(_BASE)) % 2 == 0 else 0.7
        colours.append(tuple(int(round(255 * c)) for c in colorsys.hsv_to_rgb(hue, 0.75, value)))
    return np.array(colours, dtype=np.uint8)


def overlay_clusters(image: np.ndarray, clusters: np.ndarray, alpha: float = 0.5,
                     palette: Optional[np.ndarray] = None) -> np.ndarray:
    """Blend the colours of a cluster map over an image.

    Args:
        image (np.ndarray): [H, W] or [H, W, C] image, RGB when C >= 3 (only
            the first three channels are shown), any dtype scaled to uint8.
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
    return (image_to_rgb(image) * (1 - alpha) + palette[clusters] * alpha).round().astype(np.uint8)


def image_to_rgb(image: np.ndarray) -> np.ndarray:
    """[H, W(, C)] image of any dtype -> [H, W, 3] uint8 for display."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    image = image[..., :3]
    if image.dtype != np.uint8:
        lo, hi = float(image.min()), float(image.max())
        image = ((image.astype(np.float64) - lo) / max(hi - lo, 1e-12) * 255).round()
    return image.astype(np.uint8)


def load_cluster_names(path: str, num_clusters: Optional[int] = None) -> List[str]:
    """Names of the clusters from a cluster -> class mapping (JSON).

    The file (written by ``tools/test.py`` next to its metrics) is
    ``{"classes": [...], "mapping": {"0": 2, "1": 0, ...}}``: cluster id ->
    class index, -1 for a cluster matched to no class. Clusters the mapping
    does not name are called ``cluster <id>``.

    Returns:
        list[str]: one name per cluster id.
    """
    try:
        with open(path) as f:
            data = json.load(f)
    except FileNotFoundError:
        raise FileNotFoundError(f'cluster mapping {path} not found')
    except json.JSONDecodeError as e:
        raise ValueError(f'{path}: not a JSON file ({e})') from e
    if not isinstance(data, dict) or 'mapping' not in data or 'classes' not in data:
        raise ValueError(f'{path}: expected {{"classes": [...], "mapping": {{cluster: class}}}}')
    classes: Sequence[str] = data['classes']
    mapping: Dict[int, int] = {int(k): int(v) for k, v in data['mapping'].items()}
    size = max([num_clusters or 0] + [c + 1 for c in mapping])
    names = [f'cluster {c}' for c in range(size)]
    for cluster, cls in mapping.items():
        if cls >= len(classes):
            raise ValueError(f'{path}: cluster {cluster} maps to class {cls}, but only '
                             f'{len(classes)} classes are named')
        if cls >= 0:
            names[cluster] = str(classes[cls])
    return names


def save_cluster_mapping(path: str, mapping: Sequence[int], classes: Sequence[str],
                         head: str = 'main', subhead: Optional[int] = None) -> None:
    """Write the cluster -> class mapping JSON read by :func:`load_cluster_names`."""
    data = dict(classes=[str(c) for c in classes],
                mapping={str(i): int(c) for i, c in enumerate(mapping)}, head=head)
    if subhead is not None:
        data['subhead'] = int(subhead)
    with open(path, 'w') as f:
        json.dump(data, f, indent=2)
