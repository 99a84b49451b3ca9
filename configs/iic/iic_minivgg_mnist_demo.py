# CPU demo: IIC on real MNIST (70k images) in about 4 minutes on 2 cores.
# Differences from iic_vgg6c_mnist.py, all for the small CPU budget (in short
# runs here, the paper's Sobel + 16-20 px crop views reached 50-59 % ACC after
# 2,100 steps, grey pixels with mild affine views 84 % after 800; lamb and the
# trunk differed too, so this is not a controlled comparison):
# - a narrow 3-block VGG trunk (32-64-128) on grey pixels, no Sobel;
# - both views: the central 24 px with a mild random affine map and brightness
#   jitter;
# - entropy coefficient lamb = 2.0 on the main head, 1.5 on the overclustering
#   head, Adam lr 1e-3 (measured here: with lamb = 1.5 on the main head the run
#   settles at 83 % ACC with 8 and 9 merged and 1 split in two; lamb = 2.0 reaches
#   97.7 % after 900 iterations, about 4 minutes);
# - iteration based; the main head trains 3 of every 4 blocks of 25 iterations,
#   the overclustering head the 4th.
# lamb and the views were first picked by MNIST accuracy (above); the label-free
# protocol (tools/analysis_tools/sweep_settings.py: held-out IIC loss, mass
# balance, seed stability) ranks the same settings first among lamb {1, 2} x
# views {these, the paper's random-crop pairs} (README, "Choosing settings
# without labels"). On other IDX data (README, "Data sets used to validate the
# defaults"): Animal-Shape MNIST 48.8 % ACC (pixel k-means 34.6 %), texture
# patches 98.6 % (58.5 %; run with --num-clusters 3, its number of classes).
_base_ = ['./iic_vgg6c_mnist.py']

num_repeats = 2
max_iters = 900

model = dict(
    channels_last=True,  # same results; 1.8x faster convolutions on a CPU (README, Throughput)
    data_preprocessor=dict(sobel='none', in_channels=1),
    backbone=dict(arch=[32, 'M', 64, 'M', 128, 'M'], in_channels=1),
    head=dict(
        in_channels=128 * 3 * 3,
        loss=dict(type='mmiic.IICLoss', lamb=2.0),
        overcluster_loss=dict(type='mmiic.IICLoss', lamb=1.5)))
view = [
    dict(type='mmiic.IICCenterCropResize', crop_size=24, out_size=24),
    dict(type='mmiic.IICRandomAffine', max_rotation=15, scale_range=(0.85, 1.15), max_translation=2),
    dict(type='mmiic.IICRandomColorJitter', brightness=0.3),
]
train_pipeline = [
    dict(type='mmiic.IICPairedViews', view_pipeline=view, pair_pipeline=view, num_repeats=num_repeats),
    dict(type='mmiic.PackIICClsInputs'),
]
test_pipeline = [
    dict(type='mmiic.IICPairedViews', view_pipeline=[view[0]], pair_pipeline=view, num_repeats=1,
         seed=0),
    dict(type='mmiic.PackIICClsInputs'),
]
train_dataloader = dict(
    batch_size=128,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=1e-3))
auto_scale_lr = dict(base_batch_size=128)  # train_dataloader.batch_size
train_cfg = dict(_delete_=True, type='mmiic.HeadAlternatingIterBasedTrainLoop',
                 head_order=('main', 'overcluster'), intervals_per_head=dict(main=3, overcluster=1),
                 interval=25, max_iters=max_iters, val_interval=max_iters)
custom_hooks = [
    dict(type='mmiic.ChosenSubheadHook'),
    dict(type='mmiic.ClusterMassHook', interval=50, num_images=500),
    dict(type='mmiic.ClusterJointHook', interval=100, num_images=500),
    dict(type='mmiic.ClusterGridHook', interval=300, num_images=500),
]
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=500, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
