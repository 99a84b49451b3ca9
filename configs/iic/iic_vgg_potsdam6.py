# IIC on Potsdam-6 (paper Table 4: 45.4% pixel ACC).
# RGB+IR 200 px crops without Sobel, per-displacement loss with d = 5,
# overclustering head k = 36, Adam lr 1e-6.
# Reproducibility: differences from the published run (model 544 of xu-ji/IIC
# examples/commands.txt, 4 GPUs), checked against the public code; mmiic's
# numbers are not measured (no data/GPU here):
# - split: mmiic's own deterministic rule (tools/dataset_converters/potsdam_iic.py:
#   sorted tiles, every 4th tile -> labelled_test, every 3rd crop of the
#   other tiles -> unlabelled_train), so that no tile feeds two splits. The
#   published lists (code/datasets/segmentation/util/potsdam_prepare.py) drew
#   855 test crops at random (unseeded) among the crops of the 24 labelled
#   tiles and made the 14 unlabelled tiles' crops unlabelled_train; they can
#   only be downloaded from the authors' server, not rebuilt;
# - protocol: the published (unsupervised, "IID") runs trained on all three
#   splits and evaluated on labelled_train + labelled_test
#   (code/utils/segmentation/data.py); mmiic trains on labelled_train +
#   unlabelled_train and evaluates on labelled_test (unseen crops);
# - halving: cv2 INTER_LINEAR there, INTER_AREA here;
# - colour jitter: brightness, contrast, saturation and hue 0.1 on the RGB
#   bands there; brightness and contrast 0.1 here;
# - schedule: 4800 epochs with the heads alternating per epoch there; here
#   80,000 iterations alternating every 1,000.
# Same: batch 60, lamb 1, flips, overclustering head first.
_base_ = [
    '../_base_/models/iic_vgg10a_seg.py', '../_base_/datasets/potsdam6_iic.py',
    '../_base_/schedules/iic_seg_adam.py', '../_base_/default_runtime_seg.py'
]
model = dict(
    data_preprocessor=dict(sobel='none', in_channels=4),
    backbone=dict(in_channels=4),
    decode_head=dict(
        num_classes=6,
        num_overclusters=36,
        loss_decode=dict(type='mmiic.IICLoss', displacement=5, per_displacement=True, lamb=1.0)))
optim_wrapper = dict(optimizer=dict(lr=1e-6))
