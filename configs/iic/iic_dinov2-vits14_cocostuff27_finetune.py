# IIC on DINOv2 ViT-S/14, COCO-Stuff-27, the whole network trained: the
# backbone starts from the local DINOv2 file and learns at a tenth of the
# heads' Adam learning rate (an mmiic choice, not tuned).
# Not trained here (no data, no GPU): no mmiic number yet.
_base_ = ['./iic_dinov2-vits14_cocostuff27_frozen.py']
model = dict(backbone=dict(frozen_stages=-1))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
