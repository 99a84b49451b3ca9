# COCO-Stuff-3 with the training views made on the model's device, in batches.
# The data workers only load, shrink and crop (uint8, one copy per image):
# LoadResizedImage decodes and resizes exactly as the test pipeline's
# LoadImageFromFile + Resize (full decoding in the stored orientation, bilinear
# to 1/3; the published code's cv2.imread + cv2.resize, but for the EXIF rotation
# cv2.imread applies: see iic_vgg_cocostuff3.py), and batches go to the device
# from pinned memory.
# IICBatchDenseViews then flips, jitters, records the alignment and builds the
# masks in the data preprocessor with the keys of the CPU step IICDenseViews.
_base_ = ['./iic_vgg_cocostuff3.py']

crop_size = (128, 128)
model = dict(
    data_preprocessor=dict(
        non_blocking=True,
        batch_views=dict(type='mmiic.IICBatchDenseViews', hflip_prob=0.5, border='reflect',
                         jitter=dict(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.125))))
train_pipeline = [
    dict(type='mmiic.LoadIICAnnotations'),
    dict(type='mmiic.LoadResizedImage', scale_factor=1 / 3),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='Pad', size=crop_size, pad_val=dict(img=0, seg=255)),
    dict(type='mmiic.PackIICSegInputs'),
]
train_dataloader = dict(pin_memory=True, dataset=dict(pipeline=train_pipeline))
