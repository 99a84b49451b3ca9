"""The demos run wherever the model lives (GPU outputs are moved to the CPU)."""
import importlib.util
import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
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
