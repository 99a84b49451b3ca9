# Semi-supervised overclustering ("IIC*" of the paper): only the overclustering
# head (k = 24) is trained; labels are used for evaluation only, through a
# many-to-one cluster -> class map fit on the labelled *train* crops and scored
# on the labelled *test* crops (paper §4.1): seg/acc_many_to_one_train_fit.
# seg/acc_many_to_one_transductive (map fit on the test crops themselves) is
# logged for comparison only.
# label_fraction: share of the labelled train crops whose labels fit the map
# (the paper sweeps 1.0 ... 0.1). test_dataloader (the reported number) uses
# all of them; val_dataloader, run every val_interval, uses
# val_label_fraction = 0.1 as a cheaper periodic estimate (it predicts a
# tenth of the fit split). Sweep with e.g. --cfg-options
# test_dataloader.dataset.label_fraction=0.5.
# Data paths: {val,test}_dataloader.dataset.{fit,test}_dataset.data_root.
_base_ = ['./iic_vgg_potsdam3.py']
label_fraction = 1.0  # test_dataloader
val_label_fraction = 0.1  # val_dataloader: cheaper periodic estimate
train_cfg = dict(head_order=('overcluster', ))
model = dict(decode_head=dict(test_head='overcluster'))
fit_dataset = dict(
    type={{_base_.dataset_type}},
    data_root={{_base_.data_root}},
    num_classes=3,
    data_prefix=dict(img_path='images/labelled_train', seg_map_path='labels/labelled_train'),
    pipeline={{_base_.test_pipeline}})
eval_dataset = dict(
    type='mmiic.ManyToOneEvalDataset',
    fit_dataset=fit_dataset,
    test_dataset={{_base_.val_dataloader.dataset}},
    label_fraction=label_fraction)
val_dataloader = dict(dataset=dict(eval_dataset, _delete_=True, label_fraction=val_label_fraction))
test_dataloader = dict(dataset=dict(eval_dataset, _delete_=True))
val_evaluator = dict(num_clusters=24)
test_evaluator = val_evaluator
