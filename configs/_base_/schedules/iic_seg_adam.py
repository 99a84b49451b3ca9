# Adam, constant learning rate (the paper's segmentation runs), iteration based.
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = []
# Main and overclustering heads alternate every `interval` iterations
# (the paper alternates per epoch: set interval to the iterations of an epoch).
train_cfg = dict(type='mmiic.HeadAlternatingIterBasedTrainLoop',
                 head_order=('overcluster', 'main'), interval=1000, max_iters=80000,
                 val_interval=4000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
