# ClusterNet6c of the paper (VGG-like trunk, flattened features, linear sub-heads).
# Input 24x24 -> 3 max-pools -> 3x3x512 features.
model = dict(
    type='mmiic.IICClassifier',
    data_preprocessor=dict(type='mmiic.IICDataPreprocessor', sobel='sobel', in_channels=1),
    backbone=dict(type='mmiic.IICVGG', arch='6c', in_channels=2),
    head=dict(
        type='mmiic.ClusterHeads',
        in_channels=512 * 3 * 3,
        num_classes=10,
        num_overclusters=50,
        num_subheads=5,
        loss=dict(type='mmiic.IICLoss', lamb=1.0)),
)
