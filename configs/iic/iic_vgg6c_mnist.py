# IIC on MNIST as in the paper (Table 1: 99.2% ACC, lowest-loss sub-head).
# Reproducibility: differences from the published run (model 685 of
# xu-ji/IIC examples/commands.txt; scripts/cluster/cluster_greyscale_twohead.py), checked against
# the public code; mmiic's numbers are not measured (no data/GPU here):
# - input: the published run fed grey pixels (in_channels 1, sobel=False);
#   this config applies Sobel (the paper's sec. 4.1 Sobel remark is general);
# - views: its first view was a random *or* centre 20 px crop (centre_half)
#   and its paired crops 16, 20 or 24 px; here a centre 20 px crop and
#   16 or 20 px paired crops;
# - schedule: 3200 epochs there, 200 here (_base_/schedules/iic_adam.py);
#   heads: there the main head first, 2 epochs per overclustering epoch
#   (--head_B_epochs 2); here overclustering first, one epoch each;
# - BatchNorm: that run did not track running statistics (no
#   --batchnorm_track: batch statistics at test time); here standard BN.
# Same: ClusterNet6c, k = 10 / 50, h = 5, r = 5 x 140 = 700 pairs, Adam 1e-4,
# lamb 1, train and evaluate on all 70k images.
_base_ = [
    '../_base_/models/iic_vgg6c.py', '../_base_/datasets/mnist_iic.py',
    '../_base_/schedules/iic_adam.py', '../_base_/default_runtime_cls.py'
]
