# The texture-mosaic demo with its view pairs made on the model's device (GPU
# when there is one), in batches: the data workers only pack the mosaics;
# IICBatchDenseViews flips, shifts and jitters the second views, records the
# alignment and builds the masks in the data preprocessor (same keys as the
# CPU step IICDenseViews).
_base_ = ['./iic_minivgg_mosaic_demo.py']

model = dict(
    data_preprocessor=dict(
        batch_views=dict(type='mmiic.IICBatchDenseViews', hflip_prob=0.5, vflip_prob=0.5,
                         max_translation=24, border='reflect',
                         jitter=dict(brightness=0.1, contrast=0.1), mask_ignored=False)))
train_dataloader = dict(dataset=dict(pipeline=[dict(type='mmiic.PackIICSegInputs')]))
