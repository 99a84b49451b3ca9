# Texture mosaics from scikit-image's real brick/grass/gravel textures.
dataset_type = 'mmiic.TextureMosaicDataset'
train_pipeline = [
    dict(type='mmiic.IICDenseViews', hflip_prob=0.5, vflip_prob=0.5, max_translation=24,
         border='reflect', jitter=dict(brightness=0.1, contrast=0.1), mask_ignored=False),
    dict(type='mmiic.PackIICSegInputs'),
]
test_pipeline = [dict(type='mmiic.PackIICSegInputs')]
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, num_images=400, size=128, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, num_images=50, size=128, split='test', pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmiic.SegClusterMetric', num_classes=3, class_names=('brick', 'grass', 'gravel'))
test_evaluator = val_evaluator
