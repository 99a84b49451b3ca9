from .cluster_grid import draw_cluster_grid
from .cluster_names import load_cluster_names, save_cluster_mapping
from .cluster_palette import cluster_palette, overlay_clusters, paint_clusters
from .display import DEFAULT_CHANNEL_ORDER, channel_order_of, to_display_rgb, to_rgb_uint8, upscale
from .panels import draw_legend, frame_in_colour, hstack_panels, label_panel, vstack_panels
from .seg_visualizer import ClusterSegLocalVisualizer, draw_prediction
from .vis_backends import OptionalTensorboardVisBackend

__all__ = [
    'DEFAULT_CHANNEL_ORDER', 'ClusterSegLocalVisualizer', 'OptionalTensorboardVisBackend',
    'channel_order_of', 'cluster_palette',
    'draw_cluster_grid', 'draw_legend', 'draw_prediction', 'frame_in_colour', 'hstack_panels',
    'label_panel',
    'load_cluster_names', 'overlay_clusters', 'paint_clusters', 'save_cluster_mapping',
    'to_display_rgb', 'to_rgb_uint8', 'upscale', 'vstack_panels'
]
