# SegmentationNet10a of the paper: VGG11-like fully convolutional trunk
# (stride 2, dilated tail) + 1x1 conv IIC head(s), upsampled to the input size.
model = dict(
    type='mmiic.IICSegmentor',
    data_preprocessor=dict(type='mmiic.IICDataPreprocessor', sobel='sobel_rgb', in_channels=3),
    backbone=dict(type='mmiic.IICVGG', arch='10a', in_channels=5),
    decode_head=dict(
        type='mmiic.IICHead',
        in_channels=512,
        num_classes=3,
        num_overclusters=15,
        num_subheads=1,
        align_corners=False,
        loss_decode=dict(type='mmiic.IICLoss', displacement=10, per_displacement=True, lamb=1.0)),
    test_cfg=dict(mode='whole'),
)
