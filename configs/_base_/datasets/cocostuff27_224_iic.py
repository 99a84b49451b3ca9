# COCO-Stuff-27 at the scale pretrained backbones were trained at: images
# shrunk to 2/3 (curated images have both sides >= 360 px, so >= 240 px
# here) and 224 px crops, instead of the paper's 1/3 and 128 px (which
# leave objects a few ImageNet-trained patches wide). Same views as the
# paper's COCO runs otherwise; "thing" and other pixels are ignored.
_base_ = ['./cocostuff27_iic.py']
crop_size = (224, 224)
train_pipeline = [
    dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
    dict(type='mmiic.LoadIICAnnotations'),
    dict(type='Resize', scale_factor=2 / 3, keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='Pad', size=crop_size, pad_val=dict(img=0, seg=255)),
    dict(type='mmiic.IICDenseViews', hflip_prob=0.5, border='reflect',
         jitter=dict(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.125)),
    dict(type='mmiic.PackIICSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
    dict(type='Resize', scale_factor=2 / 3, keep_ratio=True),
    dict(type='mmiic.LoadIICAnnotations'),
    dict(type='mmiic.PackIICSegInputs'),
]
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
