import numpy as np
import pytest

from mmiic.visualization import draw_cluster_grid


def test_grid_rows_are_clusters_and_errors_are_framed_red():
    images = np.stack([np.full((4, 4), 10 * i, np.uint8) for i in range(6)])
    clusters = [0, 1, 0, 1, 2, 2]
    labels = [5, 6, 5, 7, 8, 8]
    grid = draw_cluster_grid(images, clusters, 3, per_cluster=2, labels=labels, mapping=[5, 6, 8],
                             pad=1)
    assert grid.shape == (3 * 6, 2 * 6, 3)
    assert (grid[1:5, 1:5] == 0).all() and (grid[1:5, 7:11] == 20).all()  # cluster 0: images 0, 2
    assert tuple(grid[6, 6]) == (200, 30, 30)  # image 3 is labelled 7, its cluster maps to 6
    assert tuple(grid[0, 0]) == (90, 90, 90)
    with pytest.raises(ValueError, match='6 images but 5 cluster ids'):
        draw_cluster_grid(images, clusters[:5], 3)


def test_composition_panel_shows_which_classes_a_cluster_mixes():
    from mmiic.visualization import cluster_palette
    images = np.zeros((12, 8, 8), np.uint8)
    clusters = np.array([0] * 8 + [1] * 4)
    labels = np.array([0] * 4 + [1] * 4 + [2] * 4)  # cluster 0 mixes classes 0 and 1 half-half
    grid = draw_cluster_grid(images, clusters, 3, per_cluster=2, labels=labels, pad=1,
                             composition_width=104)
    cell = 10
    assert grid.shape == (3 * cell, 2 * cell + 104, 3)
    panel = grid[:, 2 * cell:]
    colours = cluster_palette(3)
    bar_row0, bar_row1 = panel[3, 2:102], panel[cell + 3, 2:102]
    share = [np.all(bar_row0 == colours[k], axis=1).mean() for k in range(3)]
    assert share[0] == pytest.approx(0.5, abs=0.03) and share[1] == pytest.approx(0.5, abs=0.03)
    assert share[2] == 0
    assert np.all(bar_row1 == colours[2], axis=1).mean() == pytest.approx(1.0, abs=0.03)
    assert (panel[2 * cell + 2:2 * cell + 5] == 25).all()  # the empty cluster has no bar
