# IIC on frozen DINOv2 ViT-S/14 features, Potsdam-3: only the 1x1 IIC heads
# train on the patch tokens. The ViT takes RGB: channel_order (2, 1, 0) turns
# the loaded B, G, R, IR crops into R, G, B (the infrared band is dropped); the
# 200 px crops are padded to 210 px (15 x 15 patches) inside the patch
# embedding. Heads and loss as iic_vgg_potsdam3.py; Adam lr 1e-4 (not tuned).
# Not trained here (no data, no GPU): no mmiic number yet.
_base_ = [
    '../_base_/models/iic_dinov2-vits14_seg.py', '../_base_/datasets/potsdam3_iic.py',
    '../_base_/schedules/iic_seg_adam.py', '../_base_/default_runtime_seg.py'
]
model = dict(
    data_preprocessor=dict(in_channels=4, channel_order=(2, 1, 0)),
    backbone=dict(frozen_stages=12, img_size=210),
    decode_head=dict(
        num_classes=3,
        num_overclusters=24,
        loss_decode=dict(type='mmiic.IICLoss', displacement=10, per_displacement=True, lamb=1.5),
        overcluster_loss=dict(type='mmiic.IICLoss', displacement=10, per_displacement=True, lamb=1.0)))
