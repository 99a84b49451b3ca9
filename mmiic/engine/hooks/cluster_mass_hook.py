"""How the main head's cluster masses evolve during training (the draft paper's figure 7)."""
from typing import List

import numpy as np
import torch

from mmiic.registry import HOOKS
from .fixed_batch_hook import FixedBatchHook


@HOOKS.register_module()
class ClusterMassHook(FixedBatchHook):
    """Share of each main-head cluster among the predictions (images or
    pixels) of a fixed set of evaluation images, every ``interval`` iterations.

    Each measurement goes to the visualizer as scalars ``cluster_mass/<id>``
    (one curve per cluster in TensorBoard, lines of
    ``vis_data/scalars.json`` locally); at the end of training (after a last
    measurement of the final weights) a line plot of all of them is added as
    the image ``cluster_mass``. A collapsing run shows
    as one line rising to 1; a healthy one as lines settling near 1/k (with
    lamb > 1) or near the class frequencies.

    Args:
        interval (int): training iterations between measurements.
        num_images (int): evaluation images used.
    """

    def __init__(self, interval: int = 50, num_images: int = 16) -> None:
        super().__init__(interval, num_images)
        self.history: List[dict] = []

    def draw(self, runner, step: int) -> None:
        _, probs = self.main_probs(runner)
        k = probs[0].shape[0]
        ids = torch.cat([p.argmax(dim=0).flatten() for p in probs])
        mass = (torch.bincount(ids, minlength=k).float() / ids.numel()).tolist()
        self.history.append(dict(iter=step, mass=mass))
        runner.visualizer.add_scalars({f'cluster_mass/{c}': m for c, m in enumerate(mass)},
                                      step=step)

    def after_train(self, runner) -> None:
        if not self.history or self.history[-1]['iter'] != runner.iter:
            self.draw(runner, runner.iter)  # the final weights, whatever the interval
        runner.visualizer.add_image('cluster_mass', plot_cluster_mass(self.history),
                                    step=runner.iter)


def plot_cluster_mass(history: List[dict]) -> np.ndarray:
    """Line plot of each cluster's mass against the iteration.

    Args:
        history (list[dict]): ``iter`` and ``mass`` ([k] shares) per measurement.

    Returns:
        np.ndarray: [H, W, 3] uint8 RGB image.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from mmiic.visualization import cluster_palette
    iters = [h['iter'] for h in history]
    masses = np.array([h['mass'] for h in history])
    colours = cluster_palette(masses.shape[1]) / 255.0
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for c in range(masses.shape[1]):
        ax.plot(iters, masses[:, c], label=f'cluster {c}', color=colours[c])
    ax.set_xlabel('iteration')
    ax.set_ylabel('share of predictions')
    ax.set_ylim(0, 1)
    ax.set_title('main head cluster mass during training')
    if masses.shape[1] <= 12:
        ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    plt.close(fig)
    return image
