from .cluster_metric import ClusterMetric
from .dump_cluster_maps import DumpClusterMaps
from .seg_cluster_metric import SegClusterMetric, matched_iou

__all__ = ['ClusterMetric', 'DumpClusterMaps', 'SegClusterMetric', 'matched_iou']
