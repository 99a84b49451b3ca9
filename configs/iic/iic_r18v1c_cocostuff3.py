# IICHead on a standard mmseg backbone: ResNet-18 V1c (dilated, output stride 8).
_base_ = ['./iic_vgg_cocostuff3.py']
model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNetV1c',
        depth=18,
        in_channels=5,
        num_stages=4,
        out_indices=(3, ),
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        norm_cfg=dict(type='BN', requires_grad=True),
        contract_dilation=True),
    decode_head=dict(in_channels=512))
