from mmiic.datasets.transforms.view_randomness import counter_uniforms
from .batch_views import IICBatchDenseViews, IICBatchPairedViews
from .iic_data_preprocessor import IICDataPreprocessor, sobel_filter
from .sobel_cls_data_preprocessor import SobelClsDataPreprocessor

__all__ = [
    'IICBatchDenseViews', 'IICBatchPairedViews', 'IICDataPreprocessor', 'SobelClsDataPreprocessor',
    'counter_uniforms', 'sobel_filter'
]
