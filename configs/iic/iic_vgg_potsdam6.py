# IIC on Potsdam-6 (paper Table 4: 45.4% pixel ACC).
# RGB+IR 200 px crops without Sobel, per-displacement loss with d = 5,
# overclustering head k = 36, Adam lr 1e-6.
_base_ = [
    '../_base_/models/iic_vgg10a_seg.py', '../_base_/datasets/potsdam6_iic.py',
    '../_base_/schedules/iic_seg_adam.py', '../_base_/default_runtime_seg.py'
]
model = dict(
    data_preprocessor=dict(sobel='none', in_channels=4),
    backbone=dict(in_channels=4),
    decode_head=dict(
        num_classes=6,
        num_overclusters=36,
        loss_decode=dict(type='mmiic.IICLoss', displacement=5, per_displacement=True, lamb=1.0)))
optim_wrapper = dict(optimizer=dict(lr=1e-6))
