# ClusterNet5g of the paper: ResNet-34 trunk with a 3x3 stride-1 stem, global pooling.
model = dict(
    type='IICClassifier',
    data_preprocessor=dict(type='IICDataPreprocessor', sobel='sobel', in_channels=3),
    backbone=dict(type='IICResNet', depth=34, in_channels=2),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='ClusterHeads',
        in_channels=512,
        num_classes=10,
        num_overclusters=70,
        num_subheads=5,
        loss=dict(type='IICLoss', lamb=1.0)),
)
