"""The demos run wherever the model lives (GPU outputs are moved to the CPU)."""
import importlib.util
import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from mmiic.datasets.transforms import PackIICSegInputs

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _load(name):
    path = osp.join(ROOT, 'tools', 'demo', name)
    spec = importlib.util.spec_from_file_location(name[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class DeviceTensor(torch.Tensor):
    """Behaves like a CUDA tensor for ``.numpy()``: refuses until ``.cpu()``."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func is torch.Tensor.numpy:
            raise TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() "
                            'to copy the tensor to host memory first.')
        out = super().__torch_function__(func, types, args, kwargs or {})
        if func is torch.Tensor.cpu:
            return out.as_subclass(torch.Tensor)
        return out


class DeviceModel:
    """Predicts the label's grid pattern; outputs 'live on the device'."""

    def eval(self):
        return self

    def data_preprocessor(self, batch, training):
        for sample in batch['data_samples']:
            sample.gt_sem_seg = PixelData(data=sample.gt_sem_seg.data.as_subclass(DeviceTensor))
        return dict(inputs=batch['inputs'].float().as_subclass(DeviceTensor),
                    data_samples=batch['data_samples'])

    def __call__(self, inputs, data_samples, mode):
        for sample in data_samples:
            sample.pred_sem_seg = PixelData(data=(2 - sample.gt_sem_seg.data.clone()))
        return data_samples


def test_mosaic_overlays_from_device_outputs(tmp_path):
    demo = _load('mosaic_seg_demo.py')
    rng = np.random.default_rng(0)
    dataset = []
    for _ in range(3):
        label = np.kron(rng.integers(0, 3, (2, 2)), np.ones((8, 8), np.int64)).astype(np.uint8)
        image = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
        dataset.append(PackIICSegInputs()(dict(img=image, gt_seg_map=label)))
    runner = SimpleNamespace(test_dataloader=SimpleNamespace(dataset=dataset), model=DeviceModel())
    path = str(tmp_path / 'overlays.png')
    demo.overlays(runner, path, count=3)
    grid = cv2.imread(path)
    assert grid.shape == (3 * 16, 3 * 16, 3)
    # Clusters are matched to classes: prediction and truth panels agree.
    assert np.array_equal(grid[:, 16:32], grid[:, 32:48])


@pytest.mark.slow
def test_mnist_demo_on_other_idx_data_with_its_cluster_count(tmp_path, monkeypatch):
    """tools/demo/mnist_demo.py on another IDX folder (3 classes, classes.txt): trains, evaluates,
    and the cluster grid carries the class-composition panel."""
    import json
    import sys

    from mmiic.testing import write_idx
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 40)
    images = np.zeros((120, 28, 28), np.uint8)
    for i, c in enumerate(labels):  # class c: a bar at a class-specific place, plus noise
        images[i, 4 + 7 * c:10 + 7 * c, 4:24] = 200
    images = np.clip(images + rng.integers(0, 40, images.shape), 0, 255).astype(np.uint8)
    root = tmp_path / 'data'
    root.mkdir()
    for prefix, sl in (('train', slice(0, 90)), ('t10k', slice(90, 120))):
        write_idx(str(root / f'{prefix}-images-idx3-ubyte'), images[sl])
        write_idx(str(root / f'{prefix}-labels-idx1-ubyte'), labels[sl])
    (root / 'classes.txt').write_text('top\nmiddle\nbottom\n')
    demo = _load('mnist_demo.py')
    work = tmp_path / 'work'
    monkeypatch.setattr(sys, 'argv', ['mnist_demo.py', '--data-root', str(root), '--work-dir',
                                      str(work), '--num-clusters', '2'])
    with pytest.raises(SystemExit, match='below the 3 classes'):
        demo.main()
    monkeypatch.setattr(sys, 'argv', ['mnist_demo.py', '--data-root', str(root), '--work-dir',
                                      str(work), '--max-iters', '2', '--num-clusters', '3',
                                      '--seed', '5'])
    demo.main()
    result = json.loads((work / 'metrics.json').read_text())
    assert result['images'] == 120 and 0 <= result['acc'] <= 1
    assert result['seed'] == 5
    grid = cv2.imread(str(work / 'cluster_grid.png'))
    assert grid.shape[0] == 2 * 3 * 28  # one row per cluster, drawn at 2x
    assert grid.shape[1] == 2 * (12 * 28 + 200)  # 12 images per row + the composition panel


@pytest.mark.slow
def test_mosaic_demo_end_to_end(tmp_path, monkeypatch):
    """tools/demo/mosaic_seg_demo.py (`make demo-seg`) trains, evaluates and writes its files."""
    import json
    import sys
    demo = _load('mosaic_seg_demo.py')
    work = tmp_path / 'work'
    monkeypatch.setattr(sys, 'argv', ['mosaic_seg_demo.py', '--work-dir', str(work),
                                      '--max-iters', '2', '--seed', '3'])
    demo.main()
    result = json.loads((work / 'metrics.json').read_text())
    assert result['seed'] == 3 and result['test_mosaics'] == 50 and 0 <= result['acc'] <= 1
    assert cv2.imread(str(work / 'overlays.png')).shape == (6 * 128, 3 * 128, 3)
