from .dense_views import IICDenseViews, PackIICSegInputs
from .geometry import random_affine, warp
from .paired_views import IICPairedViews, PackIICClsInputs, stack_views
from .view_transforms import (CenterCropResize, RandomAffineView, RandomColorJitter, RandomCropResize, RandomGreyscale,
                              RandomHorizontalFlip, RandomRotation)

__all__ = [
    'CenterCropResize', 'IICDenseViews', 'IICPairedViews', 'PackIICSegInputs', 'random_affine', 'warp', 'PackIICClsInputs', 'RandomAffineView', 'RandomColorJitter',
    'RandomCropResize', 'RandomGreyscale', 'RandomHorizontalFlip', 'RandomRotation', 'stack_views'
]
