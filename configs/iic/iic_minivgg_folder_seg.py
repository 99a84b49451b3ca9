# Unsupervised segmentation of your own images: a folder (searched
# recursively) of images of any size; no labels needed.
#   export DATA_ROOT=/path/to/your/images
#   python tools/train.py configs/iic/iic_minivgg_folder_seg.py
#   python tools/infer.py configs/iic/iic_minivgg_folder_seg.py \
#       work_dirs/iic_minivgg_folder_seg/iter_10000.pth /path/to/new/images --out work_dirs/infer
# (mmseg's MMSegInferencer cannot run this config, which reads images with
# mmiic.LoadIICImage: use tools/infer.py or mmiic.apis.init_model/inference_model.)
# Scale: set OBJECT_SIZE to the typical diameter, in pixels of your images, of
# the things to segment (cells, buildings, ...), or let
#   python tools/analysis_tools/estimate_object_size.py $DATA_ROOT
# estimate it from the images (no labels). Images are resized so that a thing
# is 24 px across (the trunk's receptive field, about 66 px, then sees a thing
# and its surroundings; enlarging stops at 2x), and the displacement d is a
# quarter of the resized diameter (d = 10 with small things pairs most pixels
# across borders, and IIC learns regions of several things instead; a design
# rule, not yet validated: see the README's validation table). Checkpoints
# record the training's scale: infer.py uses it (and warns if OBJECT_SIZE
# differs), test.py refuses another one (give it the same OBJECT_SIZE).
# Training draws crop_size crops (images smaller than a crop are padded).
# For whole-slide images or satellite scenes set tile_size (e.g. 1024): each
# image is cut into tiles read on demand. For 16-bit or float data set
# normalize='data' (per-channel mean/std from the images, stored in the
# checkpoint and reused by tools/infer.py); for more than 3 channels (RGB+IR,
# fluorescence) set color_type='unchanged', sobel='none' and the channel
# count in data_preprocessor.in_channels and backbone.in_channels. The trunk
# is the CPU demo's narrow stride-4 VGG with reflect padding on Sobel + RGB;
# entropy coefficient lamb = 2.0 on the main head as in the demo (README). As
# in the demo, each head has 5 sub-heads, the overclustering head trains first,
# and the main sub-head with the lowest training loss predicts: one sub-head
# and the main head first collapsed on most seeds of the demo (README).
# Evaluation with label maps (tools/test.py, confusion_matrix.py): set label_dir
# and classes (or label_map) below; label maps in $DATA_ROOT/labels (label_dir=labels)
# are never trained on as images (exclude_dirs, also when training runs without
# label_dir). Set these variables with --cfg-options (e.g. num_clusters=4
# label_dir=labels "classes=(cell,background)"; the values computed from them follow)
# or in a copy of this file, not in a config inheriting it: the values computed from a
# variable here would keep this file's value (this is not detected).
_base_ = [
    '../_base_/models/iic_vgg10a_seg.py', '../_base_/schedules/iic_seg_adam.py',
    '../_base_/default_runtime_seg.py'
]

# Unset, the folder is missing and the error says what to do.
data_root = '{{$DATA_ROOT:set-DATA_ROOT-to-your-image-folder}}'
num_clusters = 3
crop_size = (128, 128)
object_size = {{'$OBJECT_SIZE:24'}}  # px in the original images
scale_factor = min(max(24 / object_size, 1 / 8), 2.0)  # mmiic.analysis.seg_scale_settings
displacement = max(1, round(object_size * scale_factor / 4))
resize = dict(type='Resize', scale_factor=scale_factor, keep_ratio=True)

model = dict(
    data_preprocessor=dict(sobel='sobel_rgb', in_channels=3),
    backbone=dict(arch=[16, 'M', 32, 'M', 64, (64, 2), (64, 4)], padding_mode='reflect',
                  in_channels=5),
    decode_head=dict(
        in_channels=64,
        num_classes=num_clusters,
        num_overclusters=4 * num_clusters,
        num_subheads=5,
        loss_decode=dict(type='mmiic.IICLoss', displacement=displacement, per_displacement=True,
                         lamb=2.0),
        overcluster_loss=dict(type='mmiic.IICLoss', displacement=displacement,
                              per_displacement=True, lamb=1.5)),
    test_cfg=dict(mode='whole'))

train_pipeline = [
    dict(type='mmiic.LoadIICImage'),
    resize,
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='Pad', size=crop_size, pad_val=dict(img=0, seg=255)),
    dict(type='mmiic.IICDenseViews', hflip_prob=0.5, vflip_prob=0.5, max_translation=16,
         border='reflect', jitter=dict(brightness=0.1, contrast=0.1, saturation=0.1, hue=0.05),
         mask_ignored=False),
    dict(type='mmiic.PackIICSegInputs'),
]
# What tools/infer.py (and the training hooks) apply to whole images; predictions
# are resized back to each image's size.
test_pipeline = [dict(type='mmiic.LoadIICImage'), resize, dict(type='mmiic.PackIICSegInputs')]
# For an evaluation with label maps (README): labels stay at the original size.
eval_pipeline = [dict(type='mmiic.LoadIICImage'), resize, dict(type='mmiic.LoadIICAnnotations'),
                 dict(type='mmiic.PackIICSegInputs')]
# How images are read, in training and evaluation alike (see the header).
tile_size = None
color_type = 'color'
normalize = None
# Evaluation needs label maps: label_dir, their folder (relative to data_root or
# absolute; PNGs named as the images, same relative paths), and classes, the names of
# the label values 0, 1, ... (255 = ignored), or label_map from other label values to
# class ids, e.g. {0: 0, 128: 1, 255: 2} (255 = ignored). The images evaluated are
# those of data_root. Without label_dir, tools/test.py says what to set.
label_dir = None
classes = None
label_map = None
# Folders under data_root that hold no images, left out in training and evaluation: the
# label maps' (label_dir, or labels/ when training runs without label_dir), so that they
# are never trained on as images.
exclude_dirs = [label_dir or 'labels']
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='mmiic.ImageFolderSegDataset', data_root=data_root, tile_size=tile_size,
                 normalize=normalize, color_type=color_type, exclude_dirs=exclude_dirs,
                 pipeline=train_pipeline))
# No validation during training (no labels): the training hooks below show the
# clusters on the first images of the folder instead.
val_dataloader = val_cfg = val_evaluator = None
test_dataloader = test_cfg = test_evaluator = None
if label_dir is not None:
    test_dataloader = dict(
        batch_size=1,
        num_workers=2,
        persistent_workers=True,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(type='mmiic.ImageFolderSegDataset', data_root=data_root,
                     label_dir=label_dir, exclude_dirs=exclude_dirs, classes=classes,
                     label_map=label_map, normalize=normalize, color_type=color_type,
                     pipeline=eval_pipeline))
    test_cfg = dict(type='TestLoop')
    # Classes from the data set, clusters from the tested head's predictions.
    test_evaluator = dict(type='mmiic.SegClusterMetric')

optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_cfg = dict(head_order=('overcluster', 'main'), intervals_per_head=dict(main=3, overcluster=1),
                 interval=20, max_iters=10000, val_interval=10000)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=1000, max_keep_ckpts=2),
    visualization=dict(type='SegVisualizationHook', draw=False))
custom_hooks = [
    dict(type='mmiic.ChosenSubheadHook', train_loss_window=100),
    dict(type='mmiic.ClusterMassHook', interval=100, num_images=8),
    dict(type='mmiic.ClusterJointHook', interval=100, num_images=8),
    dict(type='mmiic.SegOverlayHook', interval=200, num_images=4),
]
