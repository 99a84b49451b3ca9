from .batch_views import IICBatchDenseViews, IICBatchPairedViews
from .counter_rng import counter_uniforms
from .iic_data_preprocessor import IICDataPreprocessor, sobel_filter

__all__ = [
    'IICBatchDenseViews', 'IICBatchPairedViews', 'IICDataPreprocessor', 'counter_uniforms',
    'sobel_filter'
]
