# The MNIST demo with its training views made on the model's device (GPU when
# there is one), in batches: the data workers only pack the 28 x 28 digits;
# IICBatchPairedViews crops, warps and jitters all 1 + r views of the batch
# in the data preprocessor, with the same view steps as the CPU pipeline.
_base_ = ['./iic_minivgg_mnist_demo.py']

view = {{_base_.view}}
model = dict(
    data_preprocessor=dict(
        batch_views=dict(type='mmiic.IICBatchPairedViews', view_pipeline=view, pair_pipeline=view,
                         num_repeats={{_base_.num_repeats}})))
train_dataloader = dict(dataset=dict(pipeline=[dict(type='mmiic.PackIICClsInputs')]))
