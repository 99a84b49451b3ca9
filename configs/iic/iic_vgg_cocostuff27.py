# IIC on COCO-Stuff-27 (all coarse groups, the benchmark of later work).
_base_ = [
    '../_base_/models/iic_vgg10a_seg.py', '../_base_/datasets/cocostuff27_iic.py',
    '../_base_/schedules/iic_seg_adam.py', '../_base_/default_runtime_seg.py'
]
model = dict(
    decode_head=dict(
        num_classes=27,
        num_overclusters=81,
        loss_decode=dict(type='mmiic.IICLoss', displacement=10, per_displacement=True, lamb=1.0)))
optim_wrapper = dict(optimizer=dict(lr=1e-4))
