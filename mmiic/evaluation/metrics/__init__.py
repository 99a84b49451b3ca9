from .cluster_metric import ClusterMetric
from .seg_cluster_metric import SegClusterMetric, matched_iou

__all__ = ['ClusterMetric', 'SegClusterMetric', 'matched_iou']
