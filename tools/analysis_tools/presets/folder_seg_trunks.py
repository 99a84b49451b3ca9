# Trunk variants of configs/iic/iic_minivgg_folder_seg.py for small things, for
#   python tools/analysis_tools/sweep_settings.py configs/iic/iic_minivgg_folder_seg.py \
#       --presets tools/analysis_tools/presets/folder_seg_trunks.py --grid trunk=stride4,stride2,stride1 ...
# Receptive fields in the resized image (things are resized to 24 px): stride4 (the
# template's) about 66 px, a thing and its neighbours; stride2 about 16 px; stride1
# (no pooling, the head at full resolution) about 9 px, the inside of a thing only.
sweep_presets = dict(
    trunk=dict(
        stride4={'model.backbone.arch': [16, 'M', 32, 'M', 64, (64, 2), (64, 4)],
                 'model.decode_head.in_channels': 64},
        stride2={'model.backbone.arch': [16, 'M', 32, (32, 2)],
                 'model.decode_head.in_channels': 32},
        stride1={'model.backbone.arch': [16, 32, (32, 2)],
                 'model.decode_head.in_channels': 32},
    ))
