# IIC on COCO-Stuff-3 (paper Table 4: 72.3% pixel ACC).
# Published settings: per-displacement loss, d = 10, lamb = 1.5 on the main
# head, overclustering head k = 15, Adam lr 1e-4, batch 120, h = 1, r = 1.
_base_ = [
    '../_base_/models/iic_vgg10a_seg.py', '../_base_/datasets/cocostuff3_iic.py',
    '../_base_/schedules/iic_seg_adam.py', '../_base_/default_runtime_seg.py'
]
model = dict(
    decode_head=dict(
        num_classes=3,
        num_overclusters=15,
        loss_decode=dict(type='mmiic.IICLoss', displacement=10, per_displacement=True, lamb=1.5),
        overcluster_loss=dict(type='mmiic.IICLoss', displacement=10, per_displacement=True, lamb=1.0)))
optim_wrapper = dict(optimizer=dict(lr=1e-4))
