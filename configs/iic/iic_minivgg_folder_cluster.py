# Image clustering of your own images: a folder (searched recursively) of
# images in any common format, grey or colour, any sizes; no labels needed.
#   export DATA_ROOT=/path/to/your/images
#   python tools/train.py configs/iic/iic_minivgg_folder_cluster.py
#   python tools/infer.py configs/iic/iic_minivgg_folder_cluster.py \
#       work_dirs/iic_minivgg_folder_cluster/iter_5000.pth /path/to/new/images --out work_dirs/infer
# Set num_clusters to the number of groups you expect, with --cfg-options
# num_clusters=4 on every command (train, test, infer; the values computed from it
# follow) or in a copy of this file, not in a config inheriting it (the values
# computed from a variable here would keep this file's value). Images are resized to
# image_size on their short side and centre-cropped (first view) or randomly
# cropped, flipped and colour-jittered (paired views). The network sees Sobel
# gradients (as the paper does for CIFAR/STL), so colour alone cannot form
# the clusters. Validation runs on the same folder without labels: it picks
# the sub-head with the lowest IIC loss (ChosenSubheadHook keeps the choice in
# the checkpoint). With labels='folders' (class = first sub-folder name) or
# labels='<file>.csv' (columns filename,label) it also reports Hungarian ACC /
# NMI / ARI (any number of classes up to num_clusters), and tools/test.py writes
# the cluster -> class mapping that tools/infer.py --mapping uses to name the
# clusters (--cfg-options labels=folders).
# Entropy coefficient lamb = 2.0 on the main head, as in the CPU demos (lamb
# = 1 settled in unequal local optima there; see README).
_base_ = ['../_base_/schedules/iic_adam.py', '../_base_/default_runtime_cls.py']

# Unset, the folder is missing and the error says what to do.
data_root = '{{$DATA_ROOT:set-DATA_ROOT-to-your-image-folder}}'
num_clusters = 10
image_size = 32
num_repeats = 3
max_iters = 5000
labels = None  # evaluation only: 'folders' or '<file>.csv' (see the header)

model = dict(
    type='mmiic.IICClassifier',
    data_preprocessor=dict(type='mmiic.IICDataPreprocessor', sobel='sobel', in_channels=3),
    backbone=dict(type='mmiic.IICVGG', arch=[32, 'M', 64, 'M', 128, 'M'], in_channels=2),
    head=dict(
        type='mmiic.ClusterHeads',
        in_channels=128 * (image_size // 8) ** 2,
        num_classes=num_clusters,
        num_overclusters=5 * num_clusters,
        num_subheads=5,
        loss=dict(type='mmiic.IICLoss', lamb=2.0),
        overcluster_loss=dict(type='mmiic.IICLoss', lamb=1.5)))

dataset_type = 'mmiic.ImageFolderClusterDataset'
first_view = [dict(type='mmiic.IICCenterCropResize', crop_size=image_size, out_size=image_size)]
paired_view = [
    dict(type='mmiic.IICRandomCropResize', crop_sizes=(image_size * 3 // 4, image_size),
         out_size=image_size),
    dict(type='mmiic.IICRandomHorizontalFlip'),
    dict(type='mmiic.IICRandomColorJitter', brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1),
]
train_pipeline = [
    dict(type='mmiic.LoadIICImage'),
    dict(type='ResizeEdge', scale=image_size, edge='short'),
    dict(type='mmiic.IICPairedViews', view_pipeline=first_view, pair_pipeline=paired_view,
         num_repeats=num_repeats),
    dict(type='mmiic.PackIICClsInputs'),
]
# One paired view at evaluation: it ranks the sub-heads by IIC loss.
test_pipeline = [
    dict(type='mmiic.LoadIICImage'),
    dict(type='ResizeEdge', scale=image_size, edge='short'),
    dict(type='mmiic.IICPairedViews', view_pipeline=first_view, pair_pipeline=paired_view,
         num_repeats=1),
    dict(type='mmiic.PackIICClsInputs'),
]
train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=256,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, labels=labels, pipeline=test_pipeline,
                 test_mode=True))
test_dataloader = val_dataloader
auto_scale_lr = dict(base_batch_size=128)  # train_dataloader.batch_size
# The number of classes comes from the labels (the data set's classes).
val_evaluator = dict(type='mmiic.ClusterMetric')
test_evaluator = val_evaluator

optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_cfg = dict(_delete_=True, type='mmiic.HeadAlternatingIterBasedTrainLoop',
                 head_order=('main', 'overcluster'), intervals_per_head=dict(main=3, overcluster=1),
                 interval=25, max_iters=max_iters, val_interval=1000)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=1000, max_keep_ckpts=2))
log_processor = dict(by_epoch=False)
custom_hooks = [
    dict(type='mmiic.ChosenSubheadHook'),
    dict(type='mmiic.ClusterMassHook', interval=100, num_images=256),
    dict(type='mmiic.ClusterJointHook', interval=100, num_images=256),
    dict(type='mmiic.ClusterGridHook', interval=500, num_images=256),
]
