# IIC on STL-10 with the 100k unlabelled images for the overclustering head
# (paper Table 1: 59.6% ACC).
# Reproducibility: differences from the published run (model 569 of
# xu-ji/IIC examples/commands.txt), checked against the public code; mmiic's numbers are not
# measured (no data/GPU here):
# - views: its first training view was a random 64 px crop of the 96 px
#   image (tf1), here a centre crop (the test view of both);
# - schedule: 2000 epochs there, 200 here;
# - stem: the public ClusterNet5gTrunk max-pools 2x2/2 (padding 1), mmiic's
#   IICResNet 3x3/2.
# Same: ClusterNet5g on Sobel, k = 10 / 70, h = 5, r = 5 x 140 = 700 pairs,
# Adam 1e-4, lamb 1, overclustering head first and one epoch each
# (--head_A_first), overclustering head on train + unlabelled + test, main
# head on train + test, evaluation on train + test.
_base_ = [
    '../_base_/models/iic_resnet5g.py', '../_base_/datasets/stl10_iic.py',
    '../_base_/schedules/iic_adam.py', '../_base_/default_runtime_cls.py'
]
model = dict(head=dict(num_classes=10, num_overclusters=70))
