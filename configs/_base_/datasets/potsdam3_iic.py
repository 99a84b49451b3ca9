# Potsdam-3 (merged class pairs), 200 x 200 RGB+IR crops written by
# tools/dataset_converters/potsdam_iic.py. Training uses the labelled and
# unlabelled training crops; evaluation the labelled test crops.
dataset_type = 'mmiic.PotsdamIICDataset'
data_root = 'data/potsdam'
num_classes = 3
train_pipeline = [
    dict(type='LoadImageFromFile', color_type='unchanged', imdecode_backend='cv2'),
    dict(type='mmiic.LoadIICAnnotations'),
    dict(type='mmiic.IICDenseViews', hflip_prob=0.5, border='reflect',
         jitter=dict(brightness=0.1, contrast=0.1), mask_ignored=True),
    dict(type='mmiic.PackIICSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', color_type='unchanged', imdecode_backend='cv2'),
    dict(type='mmiic.LoadIICAnnotations'),
    dict(type='mmiic.PackIICSegInputs'),
]
labelled_train = dict(
    type=dataset_type, data_root=data_root, num_classes=num_classes,
    data_prefix=dict(img_path='images/labelled_train', seg_map_path='labels/labelled_train'),
    pipeline=train_pipeline)
unlabelled_train = dict(
    type=dataset_type, data_root=data_root, num_classes=num_classes,
    data_prefix=dict(img_path='images/unlabelled_train', seg_map_path='labels/unlabelled_train'),
    pipeline=train_pipeline)
labelled_test = dict(
    type=dataset_type, data_root=data_root, num_classes=num_classes,
    data_prefix=dict(img_path='images/labelled_test', seg_map_path='labels/labelled_test'),
    pipeline=test_pipeline)

train_dataloader = dict(
    batch_size=60,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='ConcatDataset', datasets=[labelled_train, unlabelled_train]))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=labelled_test)
test_dataloader = val_dataloader
val_evaluator = dict(type='mmiic.SegClusterMetric', num_classes=num_classes)
test_evaluator = val_evaluator
