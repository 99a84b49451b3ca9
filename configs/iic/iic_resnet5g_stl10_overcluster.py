# Semi-supervised overclustering on STL-10 (paper §4.1, fig. 6): one head with
# k = 70 > 10 clusters (h = 5 sub-heads), trained with the IIC loss on the
# train split (5k) and the 100k unlabelled images; the test split (8k) is kept
# out of training ("for the semi-supervised settings, train and test sets are
# separate"). Labels are used for evaluation only: a many-to-one cluster ->
# class map is fit on the labelled train split and scored on the test split:
# cluster/acc_many_to_one_train_fit (the paper's number, lowest-loss
# sub-head). cluster/acc is one-to-one Hungarian on the 70 x 10 matrix (a
# lower bound); cluster/acc_many_to_one_transductive fits the map on the test
# split itself (optimistic, for comparison only).
# label_fraction: share of the 5k train labels that fit the map; the paper
# sweeps 1.0 ... 0.1, e.g. --cfg-options val_dataloader.dataset.label_fraction=0.1
# test_dataloader.dataset.label_fraction=0.1. k = 70 is mmiic's choice (the
# size of the unsupervised config's overclustering head); fig. 6 also varies k.
_base_ = ['./iic_resnet5g_stl10.py']
label_fraction = 1.0
model = dict(head=dict(num_classes=70, num_overclusters=None))
train_dataloader = dict(
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True),
    dataset=dict(splits=('train', 'unlabeled'), overcluster_only_splits=()))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='mmiic.ManyToOneEvalDataset',
        fit_dataset=dict(type={{_base_.dataset_type}}, data_root={{_base_.data_root}},
                         splits=('train', ), pipeline={{_base_.test_pipeline}}, test_mode=True),
        test_dataset=dict(type={{_base_.dataset_type}}, data_root={{_base_.data_root}},
                          splits=('test', ), pipeline={{_base_.test_pipeline}}, test_mode=True),
        label_fraction=label_fraction))
test_dataloader = val_dataloader
