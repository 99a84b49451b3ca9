"""Label-free signals for choosing IIC settings, and the rule that ranks them.

``tools/analysis_tools/sweep_settings.py`` trains each setting of a grid with
a few seeds, predicts images held out of training, and scores every run with
the signals below (samples are images for clustering, output pixels for
segmentation). None of them reads a label:

* **held-out IIC loss** (:func:`~mmiic.evaluation.functional.subhead_losses`):
  ``-I(z; z')`` of each sub-head's joint over the held-out images and their paired views, with
  lamb = 1 whatever the setting trained with, so that settings of different
  lamb are scored by the same quantity (the mutual information, at most
  ``ln k``); the sub-head with the lowest one is the run's chosen sub-head
  (as :class:`ClusterMetric` chooses it); segmentation scores its pairs with
  the dense loss instead (:func:`signals_from_losses` takes any [h] losses);
* **cluster mass balance** (:func:`cluster_mass_balance`): normalised entropy
  of the cluster masses, 1 for equal masses, 0 for one cluster; and the
  number of empty clusters;
* **sub-head agreement** (:func:`subhead_agreement`): mean pairwise NMI of the
  sub-heads' hard assignments;
* **seed stability** (:func:`seed_stability`): mean pairwise NMI of the
  chosen sub-heads' assignments of runs that differ only in their seed.

:func:`rank_settings` orders the settings by these signals alone; see there
for the rule and why.
"""
import math
from itertools import combinations
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from mmiic.evaluation.functional import (confusion_matrix, entropy_of_counts, nmi_from_confusion,
                                         subhead_losses)

# The only summary keys rank_settings reads. Label metrics never get near it.
RANK_KEYS = ('heldout_loss', 'seed_stability', 'balance_hard')


def cluster_mass_balance(probs: np.ndarray) -> Dict[str, float]:
    """How evenly samples spread over the clusters.

    Args:
        probs (np.ndarray): [n, k] cluster probabilities of n samples (images,
            or pixels for segmentation).

    Returns:
        dict: ``balance_hard`` (normalised entropy of the histogram of the
        argmax assignments), ``balance_soft`` (normalised entropy of the mean
        probability), both in [0, 1] with 1 for equal masses and 0 for a
        single cluster; ``empty_clusters`` (clusters no sample is assigned to).
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[0] == 0 or probs.shape[1] < 2:
        raise ValueError(f'probs must be [n, k] with n >= 1 and k >= 2, got shape {probs.shape}')
    k = probs.shape[1]
    hist = np.bincount(probs.argmax(axis=1), minlength=k)
    return dict(
        balance_hard=entropy_of_counts(hist) / math.log(k),
        balance_soft=entropy_of_counts(probs.mean(axis=0)) / math.log(k),
        empty_clusters=int((hist == 0).sum()))


def mean_pairwise_nmi(partitions: Sequence[np.ndarray]) -> float:
    """Mean NMI over all pairs of partitions of the same samples.

    Args:
        partitions (Sequence[np.ndarray]): m >= 2 arrays of [n] cluster ids.

    Returns:
        float: in [0, 1]; nan for fewer than two partitions.
    """
    partitions = [np.asarray(p).reshape(-1) for p in partitions]
    if len(partitions) < 2:
        return float('nan')
    sizes = {p.size for p in partitions}
    if len(sizes) != 1:
        raise ValueError(f'partitions must cover the same samples, got sizes {sorted(sizes)}')
    return float(np.mean([nmi_from_confusion(confusion_matrix(a, b))
                          for a, b in combinations(partitions, 2)]))


def subhead_agreement(clusters: np.ndarray) -> float:
    """Mean pairwise NMI of one run's sub-heads.

    Args:
        clusters (np.ndarray): [n, h] hard assignment of each sub-head.

    Returns:
        float: in [0, 1]; nan for a single sub-head.
    """
    clusters = np.asarray(clusters)
    if clusters.ndim != 2:
        raise ValueError(f'clusters must be [n, h], got shape {clusters.shape}')
    return mean_pairwise_nmi(list(clusters.T))


def seed_stability(clusters: Sequence[np.ndarray]) -> float:
    """Mean pairwise NMI of runs of one setting that differ in their seed.

    Args:
        clusters (Sequence[np.ndarray]): per run, [n] chosen sub-head's
            assignment of the same held-out samples in the same order.

    Returns:
        float: in [0, 1]; nan for a single run.
    """
    return mean_pairwise_nmi(clusters)


def run_signals(view_probs: np.ndarray) -> Tuple[Dict[str, float], np.ndarray]:
    """All signals of one image clustering run from its held-out predictions.

    Args:
        view_probs (np.ndarray): [n, h, 1 + r, k] main-head probabilities of
            each held-out image's first view and its r paired views, per
            sub-head.

    Returns:
        tuple: see :func:`signals_from_losses` (the losses are
        :func:`subhead_losses` of ``view_probs``).
    """
    return signals_from_losses(subhead_losses(view_probs), np.asarray(view_probs)[:, :, 0])


def signals_from_losses(losses: np.ndarray,
                        probs: np.ndarray) -> Tuple[Dict[str, float], np.ndarray]:
    """All signals of one run from its sub-heads' held-out losses and outputs.

    Shared by image clustering (samples are images) and segmentation
    (samples are pixels, the losses the dense IIC loss).

    Args:
        losses (np.ndarray): [h] held-out IIC loss (lamb = 1) per sub-head.
        probs (np.ndarray): [n, h, k] probabilities of the n held-out samples.

    Returns:
        tuple: a dict of ``heldout_loss`` (the chosen sub-head's, i.e. the
        lowest), ``heldout_loss_subhead_mean``, ``chosen_subhead``,
        ``balance_hard``, ``balance_soft``, ``empty_clusters`` (of the chosen
        sub-head) and ``subhead_agreement``; and the chosen sub-head's [n]
        cluster ids.
    """
    losses, probs = np.asarray(losses, dtype=np.float64), np.asarray(probs)
    if probs.ndim != 3 or losses.shape != (probs.shape[1], ):
        raise ValueError(f'need [h] losses and [n, h, k] probs, got shapes {losses.shape} and '
                         f'{probs.shape}')
    chosen = int(losses.argmin())
    signals = dict(
        heldout_loss=float(losses[chosen]),
        heldout_loss_subhead_mean=float(losses.mean()),
        chosen_subhead=chosen,
        **cluster_mass_balance(probs[:, chosen]),
        subhead_agreement=subhead_agreement(probs.argmax(axis=-1)))
    return signals, probs[:, chosen].argmax(axis=-1)


def setting_signals(runs: Sequence[Mapping[str, float]],
                    clusters: Sequence[np.ndarray]) -> Dict[str, float]:
    """Summary of one setting over its seeds.

    Args:
        runs (Sequence[Mapping]): :func:`run_signals` dicts, one per seed.
        clusters (Sequence[np.ndarray]): the runs' chosen [n] cluster ids.

    Returns:
        dict: the mean over seeds of each float signal (same keys), the std
        over seeds of the held-out loss (``heldout_loss_std``), the largest
        ``empty_clusters`` and ``seed_stability``.
    """
    if not runs or len(runs) != len(clusters):
        raise ValueError(f'need one cluster array per run, got {len(runs)} runs and '
                         f'{len(clusters)} arrays')
    keys = ('heldout_loss', 'heldout_loss_subhead_mean', 'balance_hard', 'balance_soft',
            'subhead_agreement')
    out = {key: float(np.mean([r[key] for r in runs])) for key in keys}
    out['heldout_loss_std'] = float(np.std([r['heldout_loss'] for r in runs]))
    out['empty_clusters'] = int(max(r['empty_clusters'] for r in runs))
    out['seed_stability'] = seed_stability(clusters)
    return out


def rank_settings(summaries: Sequence[Mapping[str, float]],
                  loss_resolution: float = 0.01) -> List[int]:
    """Order settings best first by label-free signals only.

    The rule: lowest mean held-out IIC loss first, compared to
    ``loss_resolution`` nats (losses in the same bin tie); ties go to the
    higher seed stability, then to the higher hard mass balance, then to the
    earlier setting.

    Why: the held-out loss is IIC's own objective on images the run never
    trained on, scored with lamb = 1 for every setting; it is the criterion
    the paper uses to choose a sub-head, extended from sub-heads to settings.
    It already contains the mass balance (``I = H(z) - H(z|z')``) and the
    consistency under the views, and it does not reward an arbitrary
    preference for equal masses the way a higher training lamb would. Seed
    stability decides between settings the loss cannot separate: a user runs
    a setting once, so one that lands on the same partition from any seed is
    the safer choice. Binning (rather than a tolerance between pairs) keeps
    the order transitive. Only the keys in :data:`RANK_KEYS` are read.

    Args:
        summaries (Sequence[Mapping]): :func:`setting_signals` dicts (other
            keys, e.g. label metrics, are ignored).
        loss_resolution (float): bin width in nats of the held-out loss
            comparison; 0 compares exact values. Defaults to 0.01.

    Returns:
        list[int]: indices into ``summaries``, best first.
    """
    if loss_resolution < 0:
        raise ValueError(f'loss_resolution must be >= 0, got {loss_resolution}')

    def finite(value: Optional[float]) -> float:
        return 0.0 if value is None or math.isnan(value) else float(value)

    def key(i: int) -> tuple:
        signals = {name: summaries[i][name] for name in RANK_KEYS}
        loss = signals['heldout_loss']
        loss = math.nan if loss is None else float(loss)
        if not math.isfinite(loss):  # a diverged run (NaN/inf outputs) ranks last
            return (1, 0.0, 0.0, 0.0, i)
        binned = math.floor(loss / loss_resolution) if loss_resolution else loss
        return (0, binned, -finite(signals['seed_stability']), -finite(signals['balance_hard']), i)

    return sorted(range(len(summaries)), key=key)


__all__ = [
    'RANK_KEYS', 'cluster_mass_balance', 'mean_pairwise_nmi',
    'subhead_agreement', 'seed_stability', 'run_signals', 'signals_from_losses', 'setting_signals',
    'rank_settings'
]
