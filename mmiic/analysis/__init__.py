"""Helpers of the analysis and data tools, outside the method itself.

The label-free choice of settings (``tools/analysis_tools/sweep_settings.py``:
held-out predictions and their signals), the object-size estimate
(``tools/analysis_tools/estimate_object_size.py``) and the prescaled copies of
segmentation data sets (``tools/dataset_converters/shrink_seg_dataset.py``).
Training, testing and inference never import this package, no config names
anything in it and it registers nothing.
"""
from .held_out import (dense_heldout_losses, dense_probs, dense_scoring, held_out_labels,
                       held_out_pixel_labels, pixel_selection, predict_view_probs)
from .object_scale import estimate_object_size, scale_energies, seg_scale_settings
from .prescaling import shrink_dataset, shrink_dataset_cfg
from .selection_signals import (cluster_mass_balance, mean_pairwise_nmi, rank_settings,
                                run_signals, seed_stability, setting_signals, signals_from_losses,
                                subhead_agreement)

__all__ = [
    'cluster_mass_balance', 'dense_heldout_losses', 'dense_probs', 'dense_scoring',
    'estimate_object_size', 'held_out_labels', 'held_out_pixel_labels', 'mean_pairwise_nmi',
    'pixel_selection', 'predict_view_probs', 'rank_settings', 'run_signals', 'scale_energies',
    'seed_stability', 'seg_scale_settings', 'setting_signals', 'shrink_dataset',
    'shrink_dataset_cfg', 'signals_from_losses', 'subhead_agreement'
]
