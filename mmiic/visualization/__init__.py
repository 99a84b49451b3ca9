from .cluster_grid import draw_cluster_grid
from .cluster_palette import (cluster_palette, draw_legend, draw_prediction, hstack_panels,
                              label_panel, paint_clusters, to_rgb_uint8, upscale, vstack_panels)

__all__ = [
    'cluster_palette', 'draw_cluster_grid', 'draw_legend', 'draw_prediction', 'hstack_panels',
    'label_panel', 'paint_clusters', 'to_rgb_uint8', 'upscale', 'vstack_panels'
]
