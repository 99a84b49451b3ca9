# IIC on DINOv2 ViT-S/14, Potsdam-3 (RGB bands), the whole network trained;
# the backbone learns at a tenth of the heads' Adam learning rate (an mmiic
# choice, not tuned). Not trained here: no mmiic number yet.
_base_ = ['./iic_dinov2-vits14_potsdam3_frozen.py']
model = dict(backbone=dict(frozen_stages=-1))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
