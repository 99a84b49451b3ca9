from .dense_views import IICDenseViews, PackIICSegInputs
from .geometry import warp
from .loading import (IMG_EXTENSIONS, LoadIICImage, channel_statistics, convert_channels, read_image,
                      to_uint8)
from .reduced_loading import LoadResizedImage
from .paired_views import IICPairedViews, PackIICClsInputs, stack_views
from .view_transforms import (IICCenterCropResize, IICRandomAffine, IICRandomColorJitter,
                              IICRandomCropResize, IICRandomGreyscale, IICRandomHorizontalFlip,
                              IICRandomRotation)

__all__ = [
    'IICCenterCropResize', 'IICDenseViews', 'IICPairedViews', 'IICRandomAffine',
    'IICRandomColorJitter', 'IICRandomCropResize', 'IICRandomGreyscale', 'IICRandomHorizontalFlip',
    'IICRandomRotation', 'IMG_EXTENSIONS', 'LoadIICImage', 'LoadResizedImage', 'PackIICClsInputs',
    'PackIICSegInputs', 'channel_statistics', 'convert_channels', 'read_image',
    'stack_views', 'to_uint8', 'warp'
]
