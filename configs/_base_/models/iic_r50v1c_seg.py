# IICHead on mmseg's ResNet-50 V1c (dilated, output stride 8, as mmseg's *-d8
# models), initialised from ImageNet weights given as a local file. The
# file is open-mmlab://resnet50_v1c of mmengine's model zoo:
#   https://download.openmmlab.com/pretrain/third_party/resnet50_v1c-2cccc1ad.pth
# (download it yourself; mmiic never downloads). A missing file stops
# training with "FileNotFoundError: <path> can not be found."
# Inputs: RGB (BGR images from LoadImageFromFile reordered by channel_order)
# with ImageNet mean/std, no Sobel.
backbone_checkpoint = 'checkpoints/resnet50_v1c-2cccc1ad.pth'
model = dict(
    type='mmiic.IICSegmentor',
    data_preprocessor=dict(
        type='mmiic.IICDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        sobel='none',
        in_channels=3,
        channel_order=(2, 1, 0)),
    backbone=dict(
        type='ResNetV1c',
        depth=50,
        in_channels=3,
        num_stages=4,
        out_indices=(3, ),
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
        init_cfg=dict(type='Pretrained', checkpoint=backbone_checkpoint)),
    decode_head=dict(
        type='mmiic.IICHead',
        in_channels=2048,
        num_classes=27,
        num_overclusters=81,
        num_subheads=1,
        align_corners=False,
        loss_decode=dict(type='mmiic.IICLoss', displacement=10, per_displacement=True, lamb=1.0)),
    test_cfg=dict(mode='whole'),
)
