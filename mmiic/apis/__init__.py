from .inference import (build_inference_pipeline, inference_model, init_model, is_segmentor,
                        set_slide_inference, write_cluster_mapping)

__all__ = [
    'build_inference_pipeline', 'inference_model', 'init_model', 'is_segmentor',
    'set_slide_inference', 'write_cluster_mapping'
]
