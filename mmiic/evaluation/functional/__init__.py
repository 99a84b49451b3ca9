from .cluster_metrics import (ari_from_confusion, cluster_metrics, confusion_matrix,
                              entropy_of_counts, hungarian_mapping, majority_mapping,
                              mapped_accuracy, metrics_from_confusion, nmi_from_confusion)
from .selection_signals import (cluster_mass_balance, mean_pairwise_nmi, rank_settings,
                                run_signals, seed_stability, setting_signals, signals_from_losses,
                                subhead_agreement, subhead_losses)

__all__ = [
    'ari_from_confusion', 'cluster_metrics', 'confusion_matrix', 'entropy_of_counts',
    'hungarian_mapping', 'majority_mapping', 'mapped_accuracy', 'metrics_from_confusion',
    'nmi_from_confusion', 'cluster_mass_balance', 'mean_pairwise_nmi', 'rank_settings',
    'run_signals', 'seed_stability', 'setting_signals', 'signals_from_losses',
    'subhead_agreement', 'subhead_losses'
]
