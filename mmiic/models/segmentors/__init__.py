from .iic_segmentor import IICSegmentor

__all__ = ['IICSegmentor']
