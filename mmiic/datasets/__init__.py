from .cluster_datasets import (CIFAR10Cluster, CIFAR100Cluster, ClusterDataset, MNISTCluster,
                               STL10Cluster, read_idx, split_held_out)
from .dataset_wrappers import ManyToOneEvalDataset, subset_dataset
from .folder_datasets import ImageFolderClusterDataset, ImageFolderSegDataset, list_images
from .prescaling import check_prescaled
from .samplers import HeadSubsetSampler
from .seg_datasets import COCOStuffIICDataset, LoadIICAnnotations, PotsdamIICDataset
from .texture_mosaics import TextureMosaicDataset, load_textures, make_mosaic
from .transforms import *  # noqa: F401,F403

__all__ = [
    'CIFAR10Cluster', 'CIFAR100Cluster', 'ClusterDataset', 'COCOStuffIICDataset',
    'HeadSubsetSampler', 'ImageFolderClusterDataset', 'ImageFolderSegDataset', 'LoadIICAnnotations',
    'ManyToOneEvalDataset', 'MNISTCluster', 'PotsdamIICDataset', 'STL10Cluster',
    'TextureMosaicDataset', 'check_prescaled', 'list_images', 'load_textures', 'make_mosaic',
    'read_idx', 'split_held_out', 'subset_dataset'
]
