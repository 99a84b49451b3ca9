from .iic_data_preprocessor import IICDataPreprocessor, sobel_filter
from .sobel_cls_data_preprocessor import SobelClsDataPreprocessor

__all__ = ['IICDataPreprocessor', 'SobelClsDataPreprocessor', 'sobel_filter']
