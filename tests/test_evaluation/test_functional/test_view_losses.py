"""mmiic.evaluation.functional.view_losses: each sub-head's IIC loss over an evaluation set."""
import math

import numpy as np
import pytest

from mmiic.evaluation.functional import subhead_losses


def one_hot(ids, k):
    return np.eye(k)[np.asarray(ids)]


def view_probs(first, paired):
    """[n, h, k] first views and [n, h, k] paired views -> [n, h, 2, k]."""
    return np.stack([first, paired], axis=2)


def test_subhead_losses_perfect_and_uninformative_subheads():
    ids = np.arange(8) % 4
    perfect = one_hot(ids, 4)
    uniform = np.full((8, 4), 0.25)
    probs = view_probs(np.stack([uniform, perfect], 1), np.stack([uniform, perfect], 1))
    losses = subhead_losses(probs)
    # Consistent, balanced one-hot pairs carry I = ln k; uniform outputs carry none.
    assert losses[1] == pytest.approx(-math.log(4))
    assert losses[0] == pytest.approx(0.0, abs=1e-9)


def test_subhead_losses_needs_paired_views():
    with pytest.raises(ValueError, match=r'\[n, h, 1 \+ r, k\]'):
        subhead_losses(np.ones((4, 1, 1, 3)) / 3)
