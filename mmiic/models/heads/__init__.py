from .cluster_heads import HEAD_NAMES, ClusterHeads, SubHeads
from .iic_head import IICHead

__all__ = ['HEAD_NAMES', 'ClusterHeads', 'SubHeads', 'IICHead']
