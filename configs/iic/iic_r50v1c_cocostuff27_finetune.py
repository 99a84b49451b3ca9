# IIC on ImageNet ResNet-50 V1c, COCO-Stuff-27, the whole network trained:
# the backbone starts from a local ImageNet file (see the model base) and
# learns at a tenth of the heads' Adam learning rate (an mmiic choice, not
# tuned: a full-rate start would overwrite the pretrained features while the
# heads are still random). Heads and loss as iic_vgg_cocostuff27.py.
# Not trained here (no data, no GPU): no mmiic number yet.
_base_ = ['./iic_r50v1c_cocostuff27_frozen.py']
model = dict(backbone=dict(frozen_stages=-1, norm_eval=False))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
