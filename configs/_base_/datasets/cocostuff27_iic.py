# COCO-Stuff-27 (all 27 coarse groups: the benchmark of later papers), curated images;
# same pipeline as COCO-Stuff-3.
_base_ = ['./cocostuff3_iic.py']
subset = 'cocostuff27'
train_dataloader = dict(dataset=dict(subset=subset, ann_file=f'curated/train2017/{subset}.txt'))
val_dataloader = dict(dataset=dict(subset=subset, ann_file=f'curated/val2017/{subset}.txt'))
test_dataloader = val_dataloader
val_evaluator = dict(num_classes=27, class_names=None)
test_evaluator = val_evaluator
