# IIC on Potsdam-3 (paper Table 4: 65.1% pixel ACC): merged class pairs,
# lamb = 1.5 on the main head, d = 10, overclustering head k = 24, Adam lr 1e-5.
_base_ = [
    '../_base_/models/iic_vgg10a_seg.py', '../_base_/datasets/potsdam3_iic.py',
    '../_base_/schedules/iic_seg_adam.py', '../_base_/default_runtime_seg.py'
]
model = dict(
    data_preprocessor=dict(sobel='none', in_channels=4),
    backbone=dict(in_channels=4),
    decode_head=dict(
        num_classes=3,
        num_overclusters=24,
        loss_decode=dict(type='mmiic.IICLoss', displacement=10, per_displacement=True, lamb=1.5),
        overcluster_loss=dict(type='mmiic.IICLoss', displacement=10, per_displacement=True, lamb=1.0)))
optim_wrapper = dict(optimizer=dict(lr=1e-5))
