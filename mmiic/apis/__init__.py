from .held_out import (dense_heldout_losses, dense_probs, dense_scoring, held_out_labels,
                       held_out_pixel_labels, pixel_selection, predict_view_probs)
from .inference import (build_inference_pipeline, inference_model, init_model, is_segmentor,
                        set_slide_inference, write_cluster_mapping)

__all__ = [
    'build_inference_pipeline', 'inference_model', 'init_model', 'is_segmentor',
    'set_slide_inference', 'write_cluster_mapping', 'dense_heldout_losses', 'dense_probs',
    'dense_scoring', 'held_out_labels', 'held_out_pixel_labels', 'pixel_selection',
    'predict_view_probs'
]
