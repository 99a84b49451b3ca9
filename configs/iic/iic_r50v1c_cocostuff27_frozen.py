# IIC on frozen ImageNet ResNet-50 V1c features, COCO-Stuff-27: only the 1x1
# IIC heads train (the setting of later work on pretrained features). The
# backbone's weights come from a local file (see the model base) and stay
# unchanged: frozen_stages=4 stops their gradients, norm_eval keeps its
# BatchNorm statistics. Heads and loss as iic_vgg_cocostuff27.py (k = 27,
# overclustering k = 81, per-displacement d = 10, lamb 1, Adam 1e-4).
# Not trained here (no data, no GPU): no mmiic number yet.
_base_ = [
    '../_base_/models/iic_r50v1c_seg.py', '../_base_/datasets/cocostuff27_224_iic.py',
    '../_base_/schedules/iic_seg_adam.py', '../_base_/default_runtime_seg.py'
]
model = dict(backbone=dict(frozen_stages=4, norm_eval=True))
