# IIC on CIFAR-100-20 (paper Table 1: 25.7% ACC). ClusterNet6c on 32 px
# inputs -> 4x4x512 features; overclustering head k = 140.
_base_ = [
    '../_base_/models/iic_vgg6c.py', '../_base_/datasets/cifar100_20_iic.py',
    '../_base_/schedules/iic_adam.py', '../_base_/default_runtime_cls.py'
]
model = dict(
    data_preprocessor=dict(in_channels=3),
    head=dict(in_channels=512 * 4 * 4, num_classes=20, num_overclusters=140))
auto_scale_lr = dict(base_batch_size=132)  # train_dataloader.batch_size
