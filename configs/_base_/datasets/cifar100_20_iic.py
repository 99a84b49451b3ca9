# CIFAR-100-20 (the 20 superclasses), train on train + test, evaluate on all 60k;
# same views as CIFAR-10.
_base_ = ['./cifar10_iic.py']
dataset_type = 'mmiic.CIFAR100Cluster'
data_root = 'data/cifar100'
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(num_classes=20)
test_evaluator = val_evaluator
