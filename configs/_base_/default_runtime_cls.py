# Runtime of image clustering configs (mmpretrain scope).
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmiic'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='mmiic.IICLoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2, save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # Loading a checkpoint of another config stops with an error naming the weights that do
    # not fit (allow_partial=True loads the matching ones, e.g. a backbone); checkpoints
    # record the preprocessing that inference repeats (see mmiic.CheckpointCheckHook).
    checkpoint_check=dict(type='mmiic.CheckpointCheckHook'),
)
# The heads alternate in the train loop (train_cfg, _base_/schedules/iic_adam.py).
# EpochSeedHook draws each sample's random views from (seed, epoch, sample index,
# rank) only, also in persistent workers, so --resume after a crash repeats the
# uninterrupted run exactly.
# ChosenSubheadHook makes the model predict with the sub-head the metric
# chose (lowest IIC loss) and stores it in the checkpoints.
custom_hooks = [
    dict(type='mmiic.EpochSeedHook'),
    dict(type='mmiic.ChosenSubheadHook'),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # On a machine without CUDA, mmiic starts gloo instead (mmiic.utils.dist_compat).
    dist_cfg=dict(backend='nccl'),
)
# Multi-GPU training (tools/dist_train.sh, tools/slurm_train.sh): batch sizes are per
# GPU, and IICLoss sums its joint over the GPUs (global_joint=True), so N GPUs with
# batch B score the same joint as one GPU with batch N x B. The wrapper lets the
# inactive head go without gradients (find_unused_parameters) and runs on CPUs too.
# BatchNorm statistics over the whole N x B batch as well (CUDA only): add
#     sync_bn = 'torch'
# here, in a config, or as `--cfg-options sync_bn=torch`; mmengine then converts every
# BatchNorm layer of the model to SyncBatchNorm when training is distributed.
model_wrapper_cfg = dict(type='mmiic.IICDistributedDataParallel', find_unused_parameters=True)
# Local files always (work_dir/<time>/vis_data), TensorBoard too when installed.
vis_backends = [dict(type='LocalVisBackend'), dict(type='mmiic.OptionalTensorboardVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)
log_processor = dict(by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
