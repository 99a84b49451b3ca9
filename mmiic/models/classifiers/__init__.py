from .iic_classifier import IICClassifier

__all__ = ['IICClassifier']
