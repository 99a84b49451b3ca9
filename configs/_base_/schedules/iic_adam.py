# The paper's optimiser: Adam, lr 1e-4, no decay.
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = []
# Main and overclustering heads in alternate epochs (overclustering first, as in the
# public IIC runs); the loop switches the head before each epoch.
train_cfg = dict(type='mmiic.HeadAlternatingEpochBasedTrainLoop',
                 head_order=('overcluster', 'main'), max_epochs=200, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# base_batch_size: images per step on 1 GPU (train_dataloader.batch_size; each
# image brings its num_repeats pairs). 140 is MNIST's and STL-10's batch; configs
# with another batch size override it, so auto-scaling keeps lr at 1e-4 for them.
auto_scale_lr = dict(enable=False, base_batch_size=140)
