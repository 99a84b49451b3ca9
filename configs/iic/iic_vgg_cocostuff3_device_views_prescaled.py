# iic_vgg_cocostuff3_device_views.py trained on a copy of COCO-Stuff shrunk
# once to the 1/3 scale the configs train at, so the data workers decode small
# files (README, Throughput: COCO-Stuff decoding):
#   python tools/dataset_converters/shrink_seg_dataset.py data/coco_stuff164k \
#       data/coco_stuff164k_third --scale 1/3 --image-dir images/train2017 \
#       --label-dir annotations/train2017 --copy curated
# It stores the shrunk JPEGs losslessly as <name>.png (the pixels the test
# pipeline makes of the originals) and records the scale in
# data/coco_stuff164k_third/prescaled.json; the train data set (prescaled=1/3)
# refuses a root without it, so this config never trains on the original
# files at 3x the intended scale.
# `benchmark_train.py --fake-data` shrinks its fake tree the same way.
# Validation and test read the original files, as in the parent config.
_base_ = ['./iic_vgg_cocostuff3_device_views.py']

prescaled_root = 'data/coco_stuff164k_third'
train_pipeline = [
    dict(type='mmiic.LoadIICAnnotations'),
    dict(type='mmiic.LoadResizedImage', scale_factor=1.0),
    dict(type='RandomCrop', crop_size={{_base_.crop_size}}),
    dict(type='Pad', size={{_base_.crop_size}}, pad_val=dict(img=0, seg=255)),
    dict(type='mmiic.PackIICSegInputs'),
]
train_dataloader = dict(
    dataset=dict(data_root=prescaled_root, prescaled=1 / 3, img_suffix='.png',
                 pipeline=train_pipeline))
