# CIFAR-10, unsupervised protocol: train on train + test (60k), evaluate on all 60k.
# Views after the paper's CIFAR runs: 20 px crops resized to 32, flips and
# colour jitter on the paired views; Sobel is applied on the device.
dataset_type = 'mmiic.CIFAR10Cluster'
data_root = 'data/cifar10'
num_repeats = 5

first_view = [dict(type='mmiic.IICCenterCropResize', crop_size=20, out_size=32)]
paired_view = [
    dict(type='mmiic.IICRandomCropResize', crop_sizes=(20, ), out_size=32),
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
    batch_size=132,  # x 5 repeats = 660 pairs per step, as in the paper's runs
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, splits=('train', 'test'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=500,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, splits=('train', 'test'),
                 pipeline=test_pipeline, test_mode=True))
val_evaluator = dict(type='mmiic.ClusterMetric', num_classes=10)
test_dataloader = val_dataloader
test_evaluator = val_evaluator
