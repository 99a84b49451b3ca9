# COCO-Stuff-3 (sky, plant, ground), curated images, mmseg's COCO-Stuff-164k layout.
# Images shrunk by two thirds, 128 px crops (padded with ignored pixels when
# smaller), Sobel + RGB on the device; "thing" and other pixels are ignored.
# Images are decoded in their stored orientation (EXIF rotation ignored), as
# the label maps are, the same way for training and testing.
dataset_type = 'mmiic.COCOStuffIICDataset'
data_root = 'data/coco_stuff164k'
subset = 'cocostuff3'
crop_size = (128, 128)
train_pipeline = [
    dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
    dict(type='mmiic.LoadIICAnnotations'),
    dict(type='Resize', scale_factor=1 / 3, keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='Pad', size=crop_size, pad_val=dict(img=0, seg=255)),
    dict(type='mmiic.IICDenseViews', hflip_prob=0.5, border='reflect',
         jitter=dict(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.125)),
    dict(type='mmiic.PackIICSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
    dict(type='Resize', scale_factor=1 / 3, keep_ratio=True),
    dict(type='mmiic.LoadIICAnnotations'),
    dict(type='mmiic.PackIICSegInputs'),
]
train_dataloader = dict(
    batch_size=120,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type, data_root=data_root, subset=subset,
        ann_file=f'curated/train2017/{subset}.txt',
        data_prefix=dict(img_path='images/train2017', seg_map_path='annotations/train2017'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type, data_root=data_root, subset=subset,
        ann_file=f'curated/val2017/{subset}.txt',
        data_prefix=dict(img_path='images/val2017', seg_map_path='annotations/val2017'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmiic.SegClusterMetric', num_classes=3, class_names=('sky', 'plant', 'ground'))
test_evaluator = val_evaluator
