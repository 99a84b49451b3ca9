from .iic_data_preprocessor import IICDataPreprocessor, sobel_filter

__all__ = ['IICDataPreprocessor', 'sobel_filter']
