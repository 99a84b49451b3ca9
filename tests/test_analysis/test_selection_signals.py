import math

import numpy as np
import pytest

from mmiic.analysis import (cluster_mass_balance, mean_pairwise_nmi, rank_settings, run_signals,
                            seed_stability, setting_signals, signals_from_losses,
                            subhead_agreement)


def one_hot(ids, k):
    return np.eye(k)[np.asarray(ids)]


def view_probs(first, paired):
    """[n, h, k] first views and [n, h, k] paired views -> [n, h, 2, k]."""
    return np.stack([first, paired], axis=2)


def test_mass_balance_known_values():
    balanced = cluster_mass_balance(one_hot(np.arange(12) % 4, 4))
    assert balanced == dict(balance_hard=pytest.approx(1.0), balance_soft=pytest.approx(1.0),
                            empty_clusters=0)
    collapsed = cluster_mass_balance(one_hot(np.zeros(6, int), 4))
    assert collapsed['balance_hard'] == pytest.approx(0.0)
    assert collapsed['empty_clusters'] == 3
    # Two equal clusters of four: ln 2 / ln 4.
    half = cluster_mass_balance(one_hot(np.arange(6) % 2, 4))
    assert half['balance_hard'] == pytest.approx(0.5) and half['empty_clusters'] == 2
    # Uniform probabilities: soft masses equal, but every argmax is cluster 0.
    flat = cluster_mass_balance(np.full((5, 4), 0.25))
    assert flat['balance_soft'] == pytest.approx(1.0)
    assert flat['balance_hard'] == pytest.approx(0.0) and flat['empty_clusters'] == 3


def test_mass_balance_rejects_bad_shape():
    with pytest.raises(ValueError, match='probs must be'):
        cluster_mass_balance(np.ones(4))


def test_pairwise_nmi_relabelling_and_independence():
    a = np.array([0, 0, 1, 1])
    relabelled = np.array([1, 1, 0, 0])
    independent = np.array([0, 1, 0, 1])
    assert mean_pairwise_nmi([a, relabelled]) == pytest.approx(1.0)
    assert mean_pairwise_nmi([a, independent]) == pytest.approx(0.0, abs=1e-12)
    # Pairs: (a, relabelled) 1, the two pairs with independent 0.
    assert mean_pairwise_nmi([a, relabelled, independent]) == pytest.approx(1 / 3)
    assert math.isnan(seed_stability([a]))
    with pytest.raises(ValueError, match='same samples'):
        mean_pairwise_nmi([a, a[:3]])


def test_subhead_agreement_uses_columns():
    clusters = np.array([[0, 1, 0], [0, 1, 1], [1, 0, 0], [1, 0, 1]])  # [n, h]
    assert subhead_agreement(clusters) == pytest.approx(1 / 3)
    assert math.isnan(subhead_agreement(clusters[:, :1]))


def test_run_signals_choose_lowest_loss_subhead():
    ids = np.arange(10) % 5
    good = one_hot(ids, 5)
    bad = one_hot(np.zeros(10, int), 5)
    probs = view_probs(np.stack([bad, good], 1), np.stack([bad, good], 1))
    signals, clusters = run_signals(probs)
    assert signals['chosen_subhead'] == 1
    assert signals['heldout_loss'] == pytest.approx(-math.log(5))
    assert signals['heldout_loss_subhead_mean'] == pytest.approx(-math.log(5) / 2, abs=1e-6)
    assert signals['balance_hard'] == pytest.approx(1.0) and signals['empty_clusters'] == 0
    assert signals['subhead_agreement'] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_array_equal(clusters, ids)


def test_signals_from_losses_for_pixels():
    # Segmentation: pixels are the samples, the losses come from the dense loss.
    pixels = one_hot(np.arange(12) % 3, 3)
    probs = np.stack([pixels, pixels[::-1]], 1)  # [12, 2, 3]
    signals, clusters = signals_from_losses(np.array([-0.5, -0.9]), probs)
    assert signals['chosen_subhead'] == 1 and signals['heldout_loss'] == pytest.approx(-0.9)
    assert signals['heldout_loss_subhead_mean'] == pytest.approx(-0.7)
    np.testing.assert_array_equal(clusters, (np.arange(12) % 3)[::-1])
    # Sub-head 1 relabels sub-head 0 (12 = 4 x 3, reversed): they agree fully.
    assert signals['subhead_agreement'] == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r'\[h\] losses'):
        signals_from_losses(np.zeros(3), probs)


def test_setting_signals_average_over_seeds():
    runs = [dict(heldout_loss=-1.0, heldout_loss_subhead_mean=-0.5, balance_hard=0.8,
                 balance_soft=0.9, subhead_agreement=0.7, empty_clusters=0),
            dict(heldout_loss=-2.0, heldout_loss_subhead_mean=-1.5, balance_hard=1.0,
                 balance_soft=1.0, subhead_agreement=0.9, empty_clusters=2)]
    clusters = [np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])]
    out = setting_signals(runs, clusters)
    assert out['heldout_loss'] == pytest.approx(-1.5)
    assert out['heldout_loss_std'] == pytest.approx(0.5)
    assert out['balance_hard'] == pytest.approx(0.9)
    assert out['empty_clusters'] == 2
    assert out['seed_stability'] == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match='one cluster array per run'):
        setting_signals(runs, clusters[:1])


def summary(loss, stability=0.5, balance=0.9, **extra):
    return dict(heldout_loss=loss, seed_stability=stability, balance_hard=balance, **extra)


def test_rank_lower_loss_first_then_stability_then_balance():
    summaries = [summary(-1.0), summary(-2.001), summary(-2.004, stability=0.4),
                 summary(-2.006, stability=0.4, balance=1.0)]
    # The last three share the 0.01 bin [-2.01, -2.00): stability then balance decide.
    assert rank_settings(summaries) == [1, 3, 2, 0]
    # Exact comparison: the lowest loss wins outright.
    assert rank_settings(summaries, loss_resolution=0) == [3, 2, 1, 0]


def test_rank_puts_diverged_runs_last():
    summaries = [summary(float('nan')), summary(-1.0), summary(None), summary(float('inf')),
                 summary(-2.0)]
    for resolution in (0.01, 0):
        assert rank_settings(summaries, loss_resolution=resolution) == [4, 1, 0, 2, 3]


def test_rank_ignores_everything_but_label_free_keys():
    summaries = [summary(-1.2, acc=0.1), summary(-1.5, acc=0.9), summary(-0.3, acc=0.99)]
    order = rank_settings(summaries)
    for acc in ([0.99, 0.1, 0.9], [None, None, None]):
        changed = [dict(s, acc=a, nmi=a) for s, a in zip(summaries, acc)]
        assert rank_settings(changed) == order == [1, 0, 2]


def test_rank_single_seed_has_no_stability():
    summaries = [summary(-1.0, stability=float('nan')), summary(-1.0, stability=float('nan'),
                                                                 balance=0.95)]
    assert rank_settings(summaries) == [1, 0]
    with pytest.raises(ValueError, match='loss_resolution'):
        rank_settings(summaries, loss_resolution=-1)
