# Runtime of image clustering configs (mmpretrain scope).
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmiic'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2, save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
# Main and overclustering heads in alternate epochs (overclustering first,
# as in the public IIC runs).
# EpochSeedHook draws each sample's random views from (seed, epoch, sample index,
# rank) only, also in persistent workers, so --resume after a crash repeats the
# uninterrupted run exactly.
# ChosenSubheadHook makes the model predict with the sub-head the metric
# chose (lowest IIC loss) and stores it in the checkpoints.
custom_hooks = [
    dict(type='mmiic.HeadAlternationHook', head_order=('overcluster', 'main')),
    dict(type='mmiic.EpochSeedHook'),
    dict(type='mmiic.ChosenSubheadHook'),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
# Local files always (work_dir/<time>/vis_data), TensorBoard too when installed.
vis_backends = [dict(type='LocalVisBackend'), dict(type='mmiic.OptionalTensorboardVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)
log_processor = dict(by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
