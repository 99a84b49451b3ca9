from .cluster_metrics import (cluster_metrics, confusion_matrix, hungarian_mapping,
                              majority_mapping, mapped_accuracy, metrics_from_confusion)

__all__ = [
    'cluster_metrics', 'confusion_matrix', 'hungarian_mapping', 'majority_mapping',
    'mapped_accuracy', 'metrics_from_confusion'
]
