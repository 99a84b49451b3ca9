from .cluster_grid import draw_cluster_grid
from .palette import (cluster_palette, image_to_rgb, load_cluster_names, overlay_clusters,
                      save_cluster_mapping)
from .seg_visualizer import ClusterSegLocalVisualizer
from .vis_backends import OptionalTensorboardVisBackend

__all__ = [
    'ClusterSegLocalVisualizer', 'OptionalTensorboardVisBackend', 'cluster_palette',
    'draw_cluster_grid', 'image_to_rgb',
    'load_cluster_names', 'overlay_clusters', 'save_cluster_mapping'
]
