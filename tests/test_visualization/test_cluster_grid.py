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
