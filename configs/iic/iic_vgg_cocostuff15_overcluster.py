# Semi-supervised overclustering ("IIC*" of the paper): only the overclustering
# head (k = 45) is trained; labels are used for evaluation only, through a
# many-to-one cluster -> class map (seg/acc_many_to_one).
_base_ = ['./iic_vgg_cocostuff15.py']
custom_hooks = [
    dict(type='mmiic.HeadAlternationHook', head_order=('overcluster', ), by_epoch=False, interval=1000)
]
model = dict(decode_head=dict(test_head='overcluster'))
val_evaluator = dict(num_clusters=45)
test_evaluator = val_evaluator
