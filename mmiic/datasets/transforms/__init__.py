from .dense_views import IICDenseViews, PackIICSegInputs
from .geometry import random_affine, warp
from .loading import LoadResizedImage
from .paired_views import IICPairedViews, PackIICClsInputs, stack_views
from .view_transforms import (IICCenterCropResize, IICRandomAffine, IICRandomColorJitter,
                              IICRandomCropResize, IICRandomGreyscale, IICRandomHorizontalFlip,
                              IICRandomRotation)

__all__ = [
    'IICCenterCropResize', 'IICDenseViews', 'IICPairedViews', 'IICRandomAffine',
    'IICRandomColorJitter', 'IICRandomCropResize', 'IICRandomGreyscale', 'IICRandomHorizontalFlip',
    'IICRandomRotation', 'LoadResizedImage', 'PackIICClsInputs', 'PackIICSegInputs',
    'random_affine', 'stack_views', 'warp'
]
