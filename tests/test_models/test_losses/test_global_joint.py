"""The global-joint contract of the IIC losses, on 2 spawned ranks (gloo).

With the batch split across ranks, the loss on every rank equals the
single-process loss of the whole batch, and the gradient a rank gets for its
own rows is world_size times the whole-batch gradient of those rows.
"""
import pytest
import torch

from mmiic.models.losses import IICLoss, dense_iic_loss, iic_loss
from mmiic.testing import run_on_ranks

TOL = dict(rel=1e-9, abs=1e-12)


def _check(loss_fn, whole, shards, rank, world_size):
    """Compare ``loss_fn`` on this rank's shard with the whole batch.

    Args:
        loss_fn: (tensors, global_joint) -> scalar loss.
        whole (list[Tensor]): full-batch inputs; the first two are the
            differentiable probabilities.
        shards (list[slice]): rows of each rank.
    """
    ref_inputs = [t.clone().requires_grad_(i < 2) for i, t in enumerate(whole)]
    ref = loss_fn(ref_inputs, global_joint=False)
    ref.backward()
    mine = [t[shards[rank]].clone().requires_grad_(i < 2) for i, t in enumerate(whole)]
    got = loss_fn(mine, global_joint=True)
    got.backward()
    assert got.item() == pytest.approx(ref.item(), **TOL)
    for ours, theirs in zip(mine[:2], ref_inputs[:2]):
        expected = world_size * theirs.grad[shards[rank]]
        assert torch.allclose(ours.grad, expected, rtol=1e-9, atol=1e-12)
    return got


def _contract(rank, world_size):
    gen = torch.Generator().manual_seed(0)
    halves = [slice(0, 3), slice(3, 5)]  # unequal shares

    probs = torch.randn(5, 4, generator=gen, dtype=torch.float64).softmax(1)
    probs_t = torch.randn(5, 4, generator=gen, dtype=torch.float64).softmax(1)
    _check(lambda x, global_joint: iic_loss(x[0], x[1], 1.5, global_joint), [probs, probs_t],
           halves, rank, world_size)
    _check(lambda x, global_joint: IICLoss(lamb=1.5, global_joint=global_joint)(x[0], x[1]),
           [probs, probs_t], halves, rank, world_size)
    # A rank without samples (e.g. only overclustering-subset images) still takes part.
    _check(lambda x, global_joint: iic_loss(x[0], x[1], 1.0, global_joint), [probs, probs_t],
           [slice(0, 5), slice(5, 5)], rank, world_size)

    dense = torch.randn(4, 3, 5, 6, generator=gen, dtype=torch.float64).softmax(1)
    dense_t = torch.randn(4, 3, 5, 6, generator=gen, dtype=torch.float64).softmax(1)
    mask = torch.rand(4, 5, 6, generator=gen) > 0.3
    mask_t = torch.rand(4, 5, 6, generator=gen) > 0.3
    mask[2:] = False  # rank 1: every first-view pixel masked, it still takes part
    # Shifts valid on one rank only: sample 0 (rank 0) keeps a column (pairs
    # at dx = 0 only), sample 3 (rank 1) a row (pairs at dy = 0 only).
    lonely = torch.zeros(4, 5, 6, dtype=torch.bool)
    lonely[0, :, 0] = True
    lonely[3, 0, :] = True
    nothing = torch.zeros(4, 5, 6, dtype=torch.bool)
    shards = [slice(0, 2), slice(2, 4)]
    for per_displacement in (False, True):

        def dense_loss(x, global_joint):
            return dense_iic_loss(x[0], x[1], 2, 1.2, x[2], x[3], per_displacement, global_joint)

        def module_loss(x, global_joint):
            return IICLoss(displacement=2, per_displacement=per_displacement,
                           global_joint=global_joint)(*x)

        for masks in ((mask, mask_t), (lonely, lonely)):
            _check(dense_loss, [dense, dense_t, *masks], shards, rank, world_size)
        _check(module_loss, [dense, dense_t, mask, mask_t], shards, rank, world_size)
        # Every pixel of every rank masked: 0 on every rank, and no rank hangs.
        got = _check(dense_loss, [dense, dense_t, nothing, nothing], shards, rank, world_size)
        assert got.item() == 0.0


@pytest.mark.slow
@pytest.mark.dist
def test_loss_and_gradients_on_two_ranks_equal_the_whole_batch():
    run_on_ranks(_contract, timeout=180)


def test_global_joint_without_process_group_is_the_plain_loss():
    torch.manual_seed(0)
    probs, probs_t = torch.randn(6, 3).softmax(1), torch.randn(6, 3).softmax(1)
    assert iic_loss(probs, probs_t, global_joint=True).item() == iic_loss(
        probs, probs_t, global_joint=False).item()
    assert 'global_joint=True' in repr(IICLoss())
