# MNIST, unsupervised protocol: train on train + test (70k), evaluate on all 70k.
# Views as in the paper's MNIST runs: first view a centre crop, paired views
# random crops of 16-20 px with rotation and colour jitter, all resized to 24.
dataset_type = 'mmiic.MNISTCluster'
data_root = 'data/mnist'
num_repeats = 5

first_view = [dict(type='mmiic.IICCenterCropResize', crop_size=20, out_size=24)]
paired_view = [
    dict(type='mmiic.IICRandomCropResize', crop_sizes=(16, 20), out_size=24),
    dict(type='mmiic.IICRandomRotation', max_angle=25.0, prob=0.5),
    dict(type='mmiic.IICRandomColorJitter', brightness=0.4, contrast=0.4),
]
train_pipeline = [
    dict(type='mmiic.IICPairedViews', view_pipeline=first_view, pair_pipeline=paired_view,
         num_repeats=num_repeats),
    dict(type='mmiic.PackIICClsInputs'),
]
# One paired view at test time: it ranks the sub-heads by IIC loss. seed fixes each
# image's views, so the metrics are the same on any number of processes.
test_pipeline = [
    dict(type='mmiic.IICPairedViews', view_pipeline=first_view, pair_pipeline=paired_view,
         num_repeats=1, seed=0),
    dict(type='mmiic.PackIICClsInputs'),
]
train_dataloader = dict(
    batch_size=140,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, splits=('train', 'test'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=500,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, splits=('train', 'test'),
                 pipeline=test_pipeline, test_mode=True))
val_evaluator = dict(type='mmiic.ClusterMetric', num_classes=10)
test_dataloader = val_dataloader
test_evaluator = val_evaluator
