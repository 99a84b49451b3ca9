# The MNIST demo with its training views made on the model's device (GPU when
# there is one), in batches: the data loader only packs the 28 x 28 digits;
# IICBatchPairedViews crops, warps and jitters all 1 + r views of the batch
# in the data preprocessor, with the same view steps as the CPU pipeline.
# `make demo` trains this config. No worker processes: packing a digit costs
# 0.05 ms, and on a 2-core CPU workers only compete with the training step for
# the cores (README, Throughput).
_base_ = ['./iic_minivgg_mnist_demo.py']

view = {{_base_.view}}
model = dict(
    data_preprocessor=dict(
        batch_views=dict(type='mmiic.IICBatchPairedViews', view_pipeline=view, pair_pipeline=view,
                         num_repeats={{_base_.num_repeats}})))
train_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(pipeline=[dict(type='mmiic.PackIICClsInputs')]))
