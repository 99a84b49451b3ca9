from .cluster_mass_hook import ClusterMassHook, plot_cluster_mass
from .cluster_visualization_hook import ClusterVisualizationHook
from .epoch_seed_hook import EpochSeedHook
from .head_alternation_hook import HeadAlternationHook

__all__ = [
    'ClusterMassHook', 'ClusterVisualizationHook', 'EpochSeedHook', 'HeadAlternationHook',
    'plot_cluster_mass'
]
