# IIC on COCO-Stuff-15 (paper Table 4: 27.7% pixel ACC).
# Per-displacement loss, d = 10, lamb = 1, overclustering head k = 45, Adam lr 1e-4.
_base_ = [
    '../_base_/models/iic_vgg10a_seg.py', '../_base_/datasets/cocostuff15_iic.py',
    '../_base_/schedules/iic_seg_adam.py', '../_base_/default_runtime_seg.py'
]
model = dict(
    decode_head=dict(
        num_classes=15,
        num_overclusters=45,
        loss_decode=dict(type='mmiic.IICLoss', displacement=10, per_displacement=True, lamb=1.0)))
optim_wrapper = dict(optimizer=dict(lr=1e-4))
