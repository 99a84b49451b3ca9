# IIC on frozen self-supervised ViT features (DINOv2 ViT-S/14, mmpretrain's
# VisionTransformer), COCO-Stuff-27: only the 1x1 IIC heads train on the
# patch tokens (stride 14) -- the modern setting, where methods on frozen
# self-supervised ViT features report about 57 % pixel ACC. frozen_stages=12
# freezes the patch embedding, position embedding, all 12 blocks and the
# final norm. Heads and loss as iic_vgg_cocostuff27.py.
# Not trained here (no data, no GPU): no mmiic number yet.
_base_ = [
    '../_base_/models/iic_dinov2-vits14_seg.py', '../_base_/datasets/cocostuff27_224_iic.py',
    '../_base_/schedules/iic_seg_adam.py', '../_base_/default_runtime_seg.py'
]
model = dict(backbone=dict(frozen_stages=12))
