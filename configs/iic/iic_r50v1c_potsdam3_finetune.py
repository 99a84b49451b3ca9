# IIC on ImageNet ResNet-50 V1c, Potsdam-3 (RGB bands), the whole network
# trained; the backbone learns at a tenth of the heads' Adam learning rate
# (an mmiic choice, not tuned). Not trained here: no mmiic number yet.
_base_ = ['./iic_r50v1c_potsdam3_frozen.py']
model = dict(backbone=dict(frozen_stages=-1, norm_eval=False))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
