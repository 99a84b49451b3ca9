"""Record how the main head's cluster masses evolve during training and plot them."""
import json
import os.path as osp
from typing import List, Optional

import torch
from mmengine.dataset import default_collate
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmiic.registry import HOOKS


@HOOKS.register_module()
class ClusterMassHook(Hook):
    """Every ``interval`` iterations, predict a fixed set of validation (or,
    without a validation set, test) images
    and store the share of mass (samples or pixels) of each main-head cluster
    (sub-head 0). At the end of training, writes ``cluster_mass.json`` and
    ``cluster_mass.png`` (mass per cluster over iterations) in the work dir.

    A collapsing run shows as one line rising to 1; a healthy one as lines
    settling near 1/k (with lamb > 1) or near the class frequencies.

    Args:
        interval (int): iterations between measurements.
        num_images (int): validation images used.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 50, num_images: int = 16) -> None:
        self.interval = interval
        self.num_images = num_images
        self.history: List[dict] = []
        self._batch: Optional[dict] = None

    def _measure(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if self._batch is None:
            loop = runner.val_loop if runner.val_loop is not None else runner.test_loop
            dataset = loop.dataloader.dataset
            count = min(self.num_images, len(dataset))
            self._batch = default_collate([dataset[i] for i in range(count)])
        was_training = model.training
        model.eval()
        with torch.no_grad():
            data = model.data_preprocessor(self._batch, False)
            inputs = data['inputs']
            if inputs.dim() == 5:
                inputs = inputs[:, 0]
            probs = model(inputs, mode='tensor')['main'][0]  # [N, k(, H, W)]
            k = probs.shape[1]
            ids = probs.argmax(dim=1).flatten()
            mass = torch.bincount(ids, minlength=k).float() / ids.numel()
        model.train(was_training)
        self.history.append(dict(iter=runner.iter, mass=mass.tolist()))

    def before_train(self, runner) -> None:
        self._measure(runner)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self.every_n_train_iters(runner, self.interval):
            self._measure(runner)

    def after_train(self, runner) -> None:
        if not self.history:
            return
        with open(osp.join(runner.work_dir, 'cluster_mass.json'), 'w') as f:
            json.dump(self.history, f)
        plot_cluster_mass(self.history, osp.join(runner.work_dir, 'cluster_mass.png'))


def plot_cluster_mass(history: List[dict], path: str) -> None:
    """Line plot of each cluster's mass against the iteration."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    iters = [h['iter'] for h in history]
    masses = torch.tensor([h['mass'] for h in history])
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for c in range(masses.shape[1]):
        ax.plot(iters, masses[:, c].numpy(), label=f'cluster {c}')
    ax.set_xlabel('iteration')
    ax.set_ylabel('share of predictions')
    ax.set_ylim(0, 1)
    ax.set_title('main head cluster mass during training')
    if masses.shape[1] <= 10:
        ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
