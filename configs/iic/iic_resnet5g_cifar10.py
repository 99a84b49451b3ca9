# IIC on CIFAR-10 (paper Table 1: 61.7% ACC, lowest-loss sub-head).
_base_ = [
    '../_base_/models/iic_resnet5g.py', '../_base_/datasets/cifar10_iic.py',
    '../_base_/schedules/iic_adam.py', '../_base_/default_runtime_cls.py'
]
model = dict(head=dict(num_classes=10, num_overclusters=70))
auto_scale_lr = dict(base_batch_size=132)  # train_dataloader.batch_size
