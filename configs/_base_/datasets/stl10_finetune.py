# STL-10, supervised protocol: train on 4.5k of the 5k labelled train images,
# validate (choose checkpoints) on the other 500, test on the 8k test images
# (the unlabelled 100k are not used); the test split is never evaluated
# during training, so no choice made on it inflates its accuracy. mmpretrain's
# transforms and Accuracy metric; 64 px crops as in IIC's STL-10 runs (random
# crops, flips and colour jitter for training, a centre crop for testing).
# The colour jitter is IIC's own (the one of the IIC views): mmcv 2.1's hue
# shift, behind mmpretrain's ColorJitter, overflows uint8 under numpy 2
# (OverflowError in mmcv/image/photometric.py adjust_hue).
dataset_type = 'mmiic.STL10Cluster'
data_root = 'data/stl10'
# The validation images: a fixed draw of 500 train images (50 per class on average).
held_out = dict(num_images=500, seed=0)
train_pipeline = [
    dict(type='RandomCrop', crop_size=64),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmiic.IICRandomColorJitter', brightness=0.4, contrast=0.4, saturation=0.4,
         hue=0.125),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='CenterCrop', crop_size=64),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=700,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, splits=('train', ),
                 held_out=dict(held_out, keep='rest'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=500,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, splits=('train', ),
                 held_out=dict(held_out, keep='held_out'), pipeline=test_pipeline,
                 test_mode=True))
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = dict(
    batch_size=500,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, splits=('test', ),
                 pipeline=test_pipeline, test_mode=True))
test_evaluator = val_evaluator
