import json
import os.path as osp
from types import SimpleNamespace

import torch

from mmiic.engine.hooks import ClusterMassHook
from mmiic.models.classifiers import IICClassifier


class _Dataset(list):
    pass


def test_masses_sum_to_one_and_plot_is_written(tmp_path):
    torch.manual_seed(0)
    model = IICClassifier(
        backbone=dict(type='mmiic.IICVGG', arch=[4, 'M'], in_channels=1),
        head=dict(type='mmiic.ClusterHeads', in_channels=4 * 4 * 4, num_classes=3, num_subheads=1),
        data_preprocessor=dict(type='mmiic.IICDataPreprocessor', in_channels=1))
    data = _Dataset(dict(inputs=torch.randint(0, 255, (1, 8, 8), dtype=torch.uint8)) for _ in range(5))
    runner = SimpleNamespace(model=model, iter=0, work_dir=str(tmp_path),
                             val_loop=SimpleNamespace(dataloader=SimpleNamespace(dataset=data)))
    hook = ClusterMassHook(interval=1, num_images=4)
    hook.before_train(runner)
    runner.iter = 1
    hook.after_train_iter(runner, 0)
    hook.after_train(runner)
    history = json.load(open(osp.join(tmp_path, 'cluster_mass.json')))
    assert [h['iter'] for h in history] == [0, 1]
    assert all(abs(sum(h['mass']) - 1) < 1e-6 and len(h['mass']) == 3 for h in history)
    assert osp.getsize(osp.join(tmp_path, 'cluster_mass.png')) > 1000
    assert model.training
