"""A pure red file shows red everywhere mmiic draws it, whichever loader read it:
mmiic.LoadIICImage (RGB, recorded) or mmcv's LoadImageFromFile (BGR, recorded by
default in the packed sample)."""
import cv2
import numpy as np
import pytest
from mmcv.transforms import LoadImageFromFile
from mmengine.dataset import default_collate

from mmiic.datasets.transforms import LoadIICImage, PackIICClsInputs, PackIICSegInputs
from mmiic.engine.hooks.cluster_visualization_hook import _first_view
from mmiic.engine.hooks.fixed_batch_hook import display_images
from mmiic.testing import load_tool
from mmiic.visualization import channel_order_of, to_display_rgb

browse = load_tool('tools/analysis_tools/browse_dataset.py')
RED = [255, 0, 0]


@pytest.fixture
def red_png(tmp_path):
    path = str(tmp_path / 'red.png')
    cv2.imwrite(path, np.full((6, 6, 3), (0, 0, 255), np.uint8))  # BGR on disk
    return path


@pytest.mark.parametrize('loader, order', [(LoadIICImage(), 'rgb'),
                                           (LoadImageFromFile(), 'bgr')])
@pytest.mark.parametrize('pack', [PackIICSegInputs, PackIICClsInputs])
def test_red_stays_red(red_png, loader, order, pack):
    packed = pack()(loader(dict(img_path=red_png)))
    inputs, sample = packed['inputs'], packed['data_samples']
    assert channel_order_of(sample) == order
    assert to_display_rgb(inputs, order)[0, 0].tolist() == RED
    # Training hooks (one batch), the visualization hook, browse_dataset.py.
    batch = default_collate([packed, packed])
    assert display_images(batch['inputs'], batch['data_samples'])[:, 0, 0].tolist() == [RED] * 2
    assert _first_view(inputs, sample)[0, 0].tolist() == RED
    assert browse._to_hwc_rgb(inputs, sample)[0, 0].tolist() == RED


def test_unknown_channel_order_is_refused():
    with pytest.raises(ValueError, match="channel_order must be 'rgb' or 'bgr'"):
        to_display_rgb(np.zeros((2, 2, 3), np.uint8), 'hsv')
