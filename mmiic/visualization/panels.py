"""Pictures put together from panels: captions, rows, columns, legends, frames."""
from typing import Optional, Sequence

import cv2
import numpy as np


def draw_legend(palette: np.ndarray, width: int, names: Optional[Sequence[str]] = None,
                ids: Optional[Sequence[int]] = None, row_height: int = 14) -> np.ndarray:
    """A strip of colour swatches, each with the name of its cluster.

    Args:
        palette (np.ndarray): [k, 3] uint8 RGB, one colour per cluster id.
        width (int): width of the strip in pixels.
        names (Sequence[str], optional): name per cluster id (e.g. from a
            cluster -> class mapping); ``cluster <id>`` where missing.
        ids (Sequence[int], optional): the clusters to list (e.g. those
            present in an image); all ``k`` by default.
        row_height (int): pixels per row.

    Returns:
        np.ndarray: [rows * row_height, width, 3] uint8 RGB.
    """
    ids = range(len(palette)) if ids is None else [int(i) for i in ids]
    names = list(names or [])
    labels = [(names[i] if i < len(names) else f'cluster {i}', palette[i]) for i in ids]
    text_width = max([cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.33, 1)[0][0]
                      for text, _ in labels] + [0])
    cell = max(90, text_width + 22)
    per_row = max(1, width // cell)
    rows = max(1, -(-len(labels) // per_row))
    strip = np.full((rows * row_height, width, 3), 255, np.uint8)
    for i, (text, colour) in enumerate(labels):
        y, x = (i // per_row) * row_height, (i % per_row) * cell
        strip[y + 2:y + row_height - 2, x + 2:x + 14] = colour
        cv2.putText(strip, text, (x + 17, y + row_height - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.33,
                    (0, 0, 0), 1, cv2.LINE_AA)
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
