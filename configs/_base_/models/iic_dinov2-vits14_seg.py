# IICHead on a self-supervised ViT: mmpretrain's VisionTransformer with the
# DINOv2 ViT-S/14 weights of mmpretrain's model zoo (vit-small-p14_dinov2-pre_3rdparty):
#   https://download.openmmlab.com/mmpretrain/v1.0/dinov2/vit-small-p14_dinov2-pre_3rdparty_20230426-5641ca5a.pth
# (download it yourself; mmiic never downloads). The file is an mmpretrain
# ImageClassifier checkpoint, hence prefix='backbone.'; its 37 x 37 position
# embedding (518 px) is resized to img_size on load by mmpretrain. A missing
# file stops training with "FileNotFoundError: <path> can not be found."
# The patch tokens of the last layer (stride 14, 384 channels) feed the head.
# Inputs: RGB with ImageNet mean/std, no Sobel.
backbone_checkpoint = 'checkpoints/vit-small-p14_dinov2-pre_3rdparty_20230426-5641ca5a.pth'
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
        type='mmpretrain.VisionTransformer',
        arch='dinov2-small',
        img_size=224,
        patch_size=14,
        layer_scale_init_value=1e-5,
        out_type='featmap',
        out_indices=-1,
        final_norm=True,
        init_cfg=dict(type='Pretrained', checkpoint=backbone_checkpoint, prefix='backbone.')),
    decode_head=dict(
        type='mmiic.IICHead',
        in_channels=384,
        num_classes=27,
        num_overclusters=81,
        num_subheads=1,
        align_corners=False,
        loss_decode=dict(type='mmiic.IICLoss', displacement=10, per_displacement=True, lamb=1.0)),
    test_cfg=dict(mode='whole'),
)
