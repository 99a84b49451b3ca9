# IIC on frozen ImageNet ResNet-50 V1c features, Potsdam-3: only the 1x1 IIC
# heads train. The ImageNet weights take RGB: the converter writes the crops
# in OpenCV's order (B, G, R, IR when loaded), so channel_order (2, 1, 0)
# gives R, G, B and drops the infrared band. Heads and loss as iic_vgg_potsdam3.py (k = 3,
# overclustering k = 24, per-displacement d = 10, lamb 1.5 on the main head);
# Adam lr 1e-4 (the paper's 1e-5 was for a randomly initialised trunk; not
# tuned here). Not trained here (no data, no GPU): no mmiic number yet.
_base_ = [
    '../_base_/models/iic_r50v1c_seg.py', '../_base_/datasets/potsdam3_iic.py',
    '../_base_/schedules/iic_seg_adam.py', '../_base_/default_runtime_seg.py'
]
model = dict(
    data_preprocessor=dict(in_channels=4, channel_order=(2, 1, 0)),
    backbone=dict(frozen_stages=4, norm_eval=True),
    decode_head=dict(
        num_classes=3,
        num_overclusters=24,
        loss_decode=dict(type='mmiic.IICLoss', displacement=10, per_displacement=True, lamb=1.5),
        overcluster_loss=dict(type='mmiic.IICLoss', displacement=10, per_displacement=True, lamb=1.0)))
