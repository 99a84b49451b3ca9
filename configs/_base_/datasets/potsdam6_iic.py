# Potsdam-6 (ISPRS), 200 x 200 RGB+IR crops written by
# tools/dataset_converters/potsdam_iic.py: Potsdam-3's files, splits and
# pipelines, with the six classes kept apart.
_base_ = ['./potsdam3_iic.py']
num_classes = 6
labelled_train = dict(num_classes=num_classes)
unlabelled_train = dict(num_classes=num_classes)
labelled_test = dict(num_classes=num_classes)
# mmengine merges the dicts above into Potsdam-3's only after this file has run, and replaces
# lists whole: the list of training sets is made again from Potsdam-3's.
train_dataloader = dict(
    dataset=dict(datasets=[
        dict(_base_.labelled_train, num_classes=num_classes),
        dict(_base_.unlabelled_train, num_classes=num_classes),
    ]))
val_dataloader = dict(dataset=dict(num_classes=num_classes))
test_dataloader = val_dataloader
val_evaluator = dict(num_classes=num_classes)
test_evaluator = val_evaluator
