from .cluster_metrics import (ari_from_confusion, cluster_metrics, confusion_matrix,
                              entropy_of_counts, hungarian_mapping, majority_mapping,
                              mapped_accuracy, metrics_from_confusion, nmi_from_confusion)
from .view_losses import subhead_losses

__all__ = [
    'ari_from_confusion', 'cluster_metrics', 'confusion_matrix', 'entropy_of_counts',
    'hungarian_mapping', 'majority_mapping', 'mapped_accuracy', 'metrics_from_confusion',
    'nmi_from_confusion', 'subhead_losses'
]
