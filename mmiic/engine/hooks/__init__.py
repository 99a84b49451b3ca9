from .checkpoint_check_hook import CheckpointCheckHook, ensure_checkpoint_check
from .chosen_subhead_hook import ChosenSubheadHook
from .cluster_mass_hook import ClusterMassHook, plot_cluster_mass
from .cluster_view_hooks import ClusterGridHook, ClusterJointHook, SegOverlayHook, joint_heatmap
from .cluster_visualization_hook import ClusterVisualizationHook
from .epoch_seed_hook import EpochSeedHook
from .fixed_batch_hook import FixedBatchHook
from .head_alternation_hook import HeadAlternationHook
from .logger_hook import IICLoggerHook

__all__ = [
    'CheckpointCheckHook', 'ChosenSubheadHook', 'ClusterGridHook', 'ClusterJointHook',
    'ClusterMassHook', 'ClusterVisualizationHook', 'EpochSeedHook', 'FixedBatchHook',
    'HeadAlternationHook', 'IICLoggerHook',
    'SegOverlayHook', 'ensure_checkpoint_check', 'joint_heatmap', 'plot_cluster_mass'
]
