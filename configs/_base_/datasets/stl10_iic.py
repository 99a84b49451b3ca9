# STL-10: train + test (13k labelled) for both heads, plus the 100k unlabelled
# images for the overclustering head only; evaluate on the 13k labelled images.
# 96 px images, 64 px crops (paper), Sobel on the device.
# HeadSubsetSampler gives each head its own samples: a main-head epoch iterates
# the 13k labelled images, an overclustering epoch all 113k (both in full
# batches of 140 images x 5 repeats = 700 pairs per step).
dataset_type = 'mmiic.STL10Cluster'
data_root = 'data/stl10'
num_repeats = 5

first_view = [dict(type='mmiic.IICCenterCropResize', crop_size=64, out_size=64)]
paired_view = [
    dict(type='mmiic.IICRandomCropResize', crop_sizes=(64, ), out_size=64),
    dict(type='mmiic.IICRandomHorizontalFlip', prob=0.5),
    dict(type='mmiic.IICRandomColorJitter', brightness=0.4, contrast=0.4, saturation=0.4, hue=0.125),
]
train_pipeline = [
    dict(type='mmiic.IICPairedViews', view_pipeline=first_view, pair_pipeline=paired_view,
         num_repeats=num_repeats),
    dict(type='mmiic.PackIICClsInputs'),
]
test_pipeline = [
    dict(type='mmiic.IICPairedViews', view_pipeline=first_view, pair_pipeline=paired_view,
         num_repeats=1, seed=0),
    dict(type='mmiic.PackIICClsInputs'),
]
train_dataloader = dict(
    batch_size=140,  # x 5 repeats = 700 pairs per step, for either head
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='mmiic.HeadSubsetSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root,
                 splits=('train', 'test', 'unlabeled'),
                 overcluster_only_splits=('unlabeled', ), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=200,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, splits=('train', 'test'),
                 pipeline=test_pipeline, test_mode=True))
val_evaluator = dict(type='mmiic.ClusterMetric', num_classes=10)
test_dataloader = val_dataloader
test_evaluator = val_evaluator
