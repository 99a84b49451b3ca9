from .cluster_grid import draw_cluster_grid

__all__ = ['draw_cluster_grid']
