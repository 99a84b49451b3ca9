"""The IIC loss of each sub-head over a whole evaluation set."""
import numpy as np
import torch

from mmiic.models.losses import mutual_information_loss


def subhead_losses(view_probs: np.ndarray) -> np.ndarray:
    """IIC loss of each sub-head from the evaluation views of a whole set.

    :class:`ClusterMetric` chooses the sub-head of lowest loss with it, and
    the label-free setting selection (:mod:`mmiic.analysis.selection_signals`)
    scores held-out images with it.

    Args:
        view_probs (np.ndarray): [n, h, 1 + r, k] probabilities of each
            sample's first view and its r paired views.

    Returns:
        np.ndarray: [h] ``-I`` (lamb = 1) of the joint summed over the n
        samples, in ``[-ln k, 0]``.
    """
    view_probs = np.asarray(view_probs)
    if view_probs.ndim != 4 or view_probs.shape[2] < 2:
        raise ValueError('view_probs must be [n, h, 1 + r, k] with r >= 1 paired views, got '
                         f'shape {view_probs.shape}')
    probs = torch.from_numpy(view_probs).double()
    joint = torch.einsum('nhk,nhrc->hkc', probs[:, :, 0], probs[:, :, 1:])
    return mutual_information_loss(joint).numpy()


__all__ = ['subhead_losses']
