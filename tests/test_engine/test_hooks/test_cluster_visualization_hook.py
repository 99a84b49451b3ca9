"""ClusterVisualizationHook (tools/test.py --show/--show-dir) draws every interval-th test
prediction through a ClusterSegLocalVisualizer: the runner's, or its own when the runner's
paints classes."""
import os
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmengine.visualization import Visualizer
from mmpretrain.structures import DataSample
from mmseg.structures import SegDataSample

from mmiic.engine.hooks import ClusterVisualizationHook
from mmiic.visualization import ClusterSegLocalVisualizer, cluster_palette, draw_prediction


def seg_batch(n=3, k=4, size=(6, 8)):
    """Packed BGR inputs and predictions of cluster i % k in sample i."""
    rng = np.random.default_rng(0)
    inputs = torch.from_numpy(rng.integers(0, 255, (n, 3) + size, dtype=np.uint8))
    outputs = []
    for i in range(n):
        sample = SegDataSample(metainfo=dict(img_path=f'/data/scene_{i}.png'))
        sample.pred_sem_seg = PixelData(data=torch.full((1, ) + size, i % k))
        sample.seg_logits = PixelData(data=torch.zeros((k, ) + size))
        outputs.append(sample)
    return dict(inputs=inputs), outputs


def runner_with(visualizer):
    return SimpleNamespace(visualizer=visualizer, experiment_name='hook_test')


def test_every_interval_th_segmentation_picture_is_the_visualizers(tmp_path):
    visualizer = ClusterSegLocalVisualizer(name='hook_test_seg')
    hook = ClusterVisualizationHook(interval=2, out_dir=str(tmp_path / 'vis'), draw=True)
    hook.before_test(runner_with(visualizer))
    batch, outputs = seg_batch(n=3)
    hook.after_test_iter(None, 0, batch, outputs[:2])
    hook.after_test_iter(None, 1, dict(inputs=batch['inputs'][2:]), outputs[2:])
    assert sorted(os.listdir(tmp_path / 'vis')) == ['000000_scene_0.png', '000002_scene_2.png']
    for index in (0, 2):
        written = cv2.imread(str(tmp_path / 'vis' / f'{index:06d}_scene_{index}.png'))[..., ::-1]
        image = batch['inputs'][index].numpy().transpose(1, 2, 0)[..., ::-1]  # BGR -> RGB
        assert np.array_equal(written, draw_prediction(image, outputs[index]))
        # image | clusters, each under a 16 px caption
        assert np.array_equal(written[16:22, :8], image)
        assert (written[16:22, 12:20] == cluster_palette(4)[index]).all()


def test_clustering_gets_the_hooks_own_visualizer(tmp_path):
    class_painter = Visualizer(name='hook_test_classes')  # e.g. mmpretrain's UniversalVisualizer
    class_painter.add_datasample = lambda *args, **kwargs: pytest.fail('painted as classes')
    hook = ClusterVisualizationHook(out_dir=str(tmp_path), draw=True)
    hook.before_test(runner_with(class_painter))
    sample = DataSample(metainfo=dict(channel_order='rgb', main_num_clusters=3))
    sample.set_pred_label(torch.tensor([2]))
    hook.after_test_iter(None, 0, dict(inputs=torch.zeros(1, 2, 3, 4, 4, dtype=torch.uint8)),
                         [sample])
    picture = cv2.imread(str(tmp_path / '000000.png'))[..., ::-1]
    assert picture[16 + 2, 2].tolist() == cluster_palette(3)[2].tolist()  # the frame


def test_show_displays_and_logs_without_a_folder(monkeypatch):
    shown, logged = [], []
    monkeypatch.setattr(Visualizer, 'show',
                        lambda self, image, win_name='', wait_time=0, **kw:
                        shown.append((image.shape, win_name, wait_time)))
    visualizer = ClusterSegLocalVisualizer(name='hook_test_show')
    monkeypatch.setattr(visualizer, 'add_image',
                        lambda name, image, step=0: logged.append((name, step)))
    hook = ClusterVisualizationHook(show=True, wait_time=0.5, draw=True)
    hook.before_test(runner_with(visualizer))
    batch, outputs = seg_batch(n=2)
    hook.after_test_iter(None, 0, batch, outputs)
    assert [name for _, name, _ in shown] == ['000000_scene_0', '000001_scene_1']
    assert all(wait == 0.5 for _, _, wait in shown)
    assert logged == [('000000_scene_0', 0), ('000001_scene_1', 1)]


def test_off_by_default_and_clear_errors(tmp_path):
    visualizer = ClusterSegLocalVisualizer(name='hook_test_off')
    hook = ClusterVisualizationHook(out_dir=str(tmp_path / 'vis'))
    hook.before_test(runner_with(visualizer))
    batch, outputs = seg_batch(n=1)
    hook.after_test_iter(None, 0, batch, outputs)
    assert not (tmp_path / 'vis').exists()
    with pytest.raises(ValueError, match='interval must be >= 1'):
        ClusterVisualizationHook(interval=0)
    hook = ClusterVisualizationHook(out_dir=str(tmp_path / 'vis'), draw=True)
    hook.before_test(runner_with(visualizer))
    with pytest.raises(ValueError, match='needs the batch inputs'):
        hook.after_test_iter(None, 0, None, outputs)
