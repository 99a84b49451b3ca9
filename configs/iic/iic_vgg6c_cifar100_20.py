# IIC on CIFAR-100-20 (paper Table 1: 25.7% ACC). ClusterNet6c on 32 px
# inputs -> 4x4x512 features; overclustering head k = 140.
# Reproducibility: differences from the published run (model 579 of
# xu-ji/IIC examples/commands.txt), checked against the public code; mmiic's numbers are not
# measured (no data/GPU here):
# - network: that run used ClusterNet5gTwoHead (ResNet-34), this config
#   ClusterNet6c (VGG); for the published trunk use iic_resnet5g_cifar10.py's
#   model with num_classes=20, num_overclusters=140;
# - batch: there 1000 pairs (200 images x r = 5), here 660 (132 x 5);
# - views: its first training view was a random 20 px crop, here a centre crop;
# - schedule: 2000 epochs there, 200 here; heads: main head first there
#   (no --head_A_first), overclustering first here, one epoch each in both.
# Same: Sobel input, k = 20 / 140, h = 5, Adam 1e-4, lamb 1, BN with running
# statistics (--batchnorm_track), train and evaluate on all 60k images.
_base_ = [
    '../_base_/models/iic_vgg6c.py', '../_base_/datasets/cifar100_20_iic.py',
    '../_base_/schedules/iic_adam.py', '../_base_/default_runtime_cls.py'
]
model = dict(
    data_preprocessor=dict(in_channels=3),
    head=dict(in_channels=512 * 4 * 4, num_classes=20, num_overclusters=140))
auto_scale_lr = dict(base_batch_size=132)  # train_dataloader.batch_size
