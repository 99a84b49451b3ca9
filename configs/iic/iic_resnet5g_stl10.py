# IIC on STL-10 with the 100k unlabelled images for the overclustering head
# (paper Table 1: 59.6% ACC).
_base_ = [
    '../_base_/models/iic_resnet5g.py', '../_base_/datasets/stl10_iic.py',
    '../_base_/schedules/iic_adam.py', '../_base_/default_runtime_cls.py'
]
model = dict(head=dict(num_classes=10, num_overclusters=70))
