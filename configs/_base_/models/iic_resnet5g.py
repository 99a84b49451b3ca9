# ClusterNet5g of the paper: ResNet-34 trunk with a 3x3 stride-1 stem, global pooling.
model = dict(
    type='mmiic.IICClassifier',
    data_preprocessor=dict(type='mmiic.IICDataPreprocessor', sobel='sobel', in_channels=3),
    backbone=dict(type='mmiic.IICResNet', depth=34, in_channels=2),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='mmiic.ClusterHeads',
        in_channels=512,
        num_classes=10,
        num_overclusters=70,
        num_subheads=5,
        loss=dict(type='mmiic.IICLoss', lamb=1.0)),
)
