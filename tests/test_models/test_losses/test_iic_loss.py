import math

import pytest
import torch
import torch.nn.functional as F

from mmiic.models.losses import IICLoss, conv2d_joints, dense_iic_loss, iic_loss


def _one_hot(labels, k, dtype=torch.float64):
    return F.one_hot(labels, k).to(dtype)


def _reference_loss(joint, lamb):
    """Direct transcription of -sum P (ln P - lamb ln Pi - lamb ln Pj)."""
    eps = 2.220446049250313e-16
    joint = (joint + joint.t()) / 2
    joint = joint / joint.sum()
    p_i = joint.sum(1, keepdim=True).clamp(min=eps)
    p_j = joint.sum(0, keepdim=True).clamp(min=eps)
    joint = joint.clamp(min=eps)
    return -(joint * (joint.log() - lamb * p_i.log() - lamb * p_j.log())).sum()


def _loop_joints(probs, probs_t, d, mask, mask_t):
    """Slow, obvious loop: joint of every shift t, pairing u with u + t."""
    n, k, h, w = probs.shape
    joints, counts = {}, {}
    for dy in range(-d, d + 1):
        for dx in range(-d, d + 1):
            joint = probs.new_zeros(k, k)
            count = 0
            for y in range(h):
                for x in range(w):
                    yt, xt = y + dy, x + dx
                    if not (0 <= yt < h and 0 <= xt < w):
                        continue
                    valid = mask[:, y, x] & mask_t[:, yt, xt]
                    count += int(valid.sum())
                    a = probs[:, :, y, x] * valid[:, None]
                    b = probs_t[:, :, yt, xt] * valid[:, None]
                    joint = joint + a.t() @ b
            joints[(dy, dx)], counts[(dy, dx)] = joint, count
    return joints, counts


@pytest.mark.parametrize('k', [2, 3, 10])
def test_identical_balanced_one_hot_views_give_minus_ln_k(k):
    labels = torch.arange(4 * k) % k
    probs = _one_hot(labels, k)
    assert iic_loss(probs, probs).item() == pytest.approx(-math.log(k), abs=1e-9)


def test_independent_views_give_zero():
    k = 4
    a = _one_hot(torch.arange(k).repeat_interleave(k), k)
    b = _one_hot(torch.arange(k).repeat(k), k)
    assert iic_loss(a, b).item() == pytest.approx(0.0, abs=1e-9)
    uniform = torch.full((8, k), 1 / k, dtype=torch.float64)
    assert iic_loss(uniform, uniform).item() == pytest.approx(0.0, abs=1e-9)


def test_lambda_rewards_equal_clusters():
    # Two perfectly consistent clusterings, one balanced and one skewed.
    balanced = _one_hot(torch.tensor([0, 0, 1, 1]), 2)
    skewed = _one_hot(torch.tensor([0, 0, 0, 1]), 2)
    for lamb in (1.0, 1.5, 2.0):
        got = iic_loss(skewed, skewed, lamb).item()
        p = torch.tensor([0.75, 0.25], dtype=torch.float64)
        entropy = -(p * p.log()).sum().item()
        # -sum P ln P + 2 lamb sum P ln p = H - 2 lamb H = (1 - 2 lamb) H
        assert got == pytest.approx((1 - 2 * lamb) * entropy, abs=1e-9)
    gap_1 = iic_loss(skewed, skewed, 1.0) - iic_loss(balanced, balanced, 1.0)
    gap_2 = iic_loss(skewed, skewed, 2.0) - iic_loss(balanced, balanced, 2.0)
    assert gap_2 > gap_1 > 0


def test_matches_reference_on_random_probs():
    torch.manual_seed(0)
    a = torch.randn(32, 5, dtype=torch.float64).softmax(1)
    b = torch.randn(32, 5, dtype=torch.float64).softmax(1)
    for lamb in (1.0, 1.7):
        assert iic_loss(a, b, lamb).item() == pytest.approx(
            _reference_loss(a.t() @ b, lamb).item(), rel=1e-12)


def test_degenerate_inputs_stay_finite():
    assert iic_loss(torch.ones(6, 1), torch.ones(6, 1)).item() == 0.0
    one_hot = _one_hot(torch.zeros(5, dtype=torch.long), 3).requires_grad_()
    loss = iic_loss(one_hot, one_hot)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(one_hot.grad).all()


@pytest.mark.slow
def test_gradcheck_float64():
    torch.manual_seed(1)
    a = torch.randn(6, 3, dtype=torch.float64).softmax(1).requires_grad_()
    b = torch.randn(6, 3, dtype=torch.float64).softmax(1).requires_grad_()
    assert torch.autograd.gradcheck(lambda x, y: iic_loss(x, y, 1.3), (a, b))
    c = torch.randn(2, 3, 5, 4, dtype=torch.float64).softmax(1).requires_grad_()
    e = torch.randn(2, 3, 5, 4, dtype=torch.float64).softmax(1).requires_grad_()
    for per_displacement in (False, True):
        assert torch.autograd.gradcheck(
            lambda x, y: dense_iic_loss(x, y, 2, 1.2, per_displacement=per_displacement), (c, e))


def test_shape_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r'\(4, 3\) and \(4, 2\)'):
        iic_loss(torch.rand(4, 3), torch.rand(4, 2))
    with pytest.raises(ValueError, match=r'\[N, k, H, W\]'):
        dense_iic_loss(torch.rand(4, 3), torch.rand(4, 3))
    with pytest.raises(ValueError, match='mask'):
        dense_iic_loss(torch.rand(1, 2, 4, 4), torch.rand(1, 2, 4, 4), 1, mask=torch.ones(1, 3, 4))


@pytest.mark.parametrize('per_displacement', [False, True])
@pytest.mark.parametrize('d', [0, 1, 2, 7])
def test_dense_matches_slow_loop(per_displacement, d):
    torch.manual_seed(d)
    n, k, h, w = 2, 3, 5, 6
    probs = torch.randn(n, k, h, w, dtype=torch.float64).softmax(1)
    probs_t = torch.randn(n, k, h, w, dtype=torch.float64).softmax(1)
    mask = torch.rand(n, h, w) > 0.3
    mask_t = torch.rand(n, h, w) > 0.3
    joints, counts = _loop_joints(probs, probs_t, d, mask, mask_t)
    if per_displacement:
        scored = [_reference_loss(j, 1.4) for t, j in joints.items() if counts[t] > 0]
        expected = torch.stack(scored).mean()
    else:
        expected = _reference_loss(sum(joints.values()), 1.4)
    got = dense_iic_loss(probs, probs_t, d, 1.4, mask, mask_t, per_displacement)
    assert got.item() == pytest.approx(expected.item(), rel=1e-9, abs=1e-12)


def test_dense_variants_agree_with_conv2d_formulation():
    torch.manual_seed(3)
    probs = torch.randn(2, 4, 9, 8, dtype=torch.float64).softmax(1)
    probs_t = torch.randn(2, 4, 9, 8, dtype=torch.float64).softmax(1)
    joints = conv2d_joints(probs, probs_t, 3)
    expected_sum = _reference_loss(joints.sum((0, 1)), 1.0)
    assert dense_iic_loss(probs, probs_t, 3, per_displacement=False).item() == pytest.approx(
        expected_sum.item(), rel=1e-9)
    expected_mean = torch.stack([_reference_loss(j, 1.0) for j in joints.reshape(-1, 4, 4)]).mean()
    assert dense_iic_loss(probs, probs_t, 3, per_displacement=True).item() == pytest.approx(
        expected_mean.item(), rel=1e-9)


def test_defaults_are_the_papers_eq5_average_of_per_shift_information():
    """ICCV paper eq. 5: (1/|T|) sum_t I(P_t), information averaged over the shifts; the
    summed joint (IID draft eq. 8) is the option, not the default."""
    torch.manual_seed(9)
    coarse = torch.randn(2, 3, 3, 3, dtype=torch.float64)
    probs = (4 * F.interpolate(coarse, size=(10, 10), mode='bilinear')).softmax(1)
    probs_t = (4 * F.interpolate(coarse, size=(10, 10), mode='bilinear')
               + torch.randn(2, 3, 10, 10, dtype=torch.float64)).softmax(1)
    joints = conv2d_joints(probs, probs_t, 2).reshape(-1, 3, 3)
    eq5 = torch.stack([_reference_loss(j, 1.0) for j in joints]).mean()
    summed = _reference_loss(joints.sum(0), 1.0)
    assert abs(eq5.item() - summed.item()) > 1e-3  # the two readings differ here
    assert dense_iic_loss(probs, probs_t, 2).item() == pytest.approx(eq5.item(), rel=1e-9)
    assert IICLoss(displacement=2)(probs, probs_t).item() == pytest.approx(eq5.item(), rel=1e-9)
    assert 'per_displacement=True' in repr(IICLoss())


def test_displacement_larger_than_image_skips_empty_shifts():
    torch.manual_seed(4)
    probs = torch.randn(1, 2, 3, 3, dtype=torch.float64).softmax(1)
    probs_t = torch.randn(1, 2, 3, 3, dtype=torch.float64).softmax(1)
    mask = torch.ones(1, 3, 3, dtype=torch.bool)
    big = dense_iic_loss(probs, probs_t, 6, per_displacement=True)
    # Only |t| <= 2 has pairs in a 3x3 image, so d = 6 must equal d = 2.
    assert big.item() == pytest.approx(
        dense_iic_loss(probs, probs_t, 2, per_displacement=True).item(), rel=1e-12)
    joints, counts = _loop_joints(probs, probs_t, 6, mask, mask)
    assert sum(c > 0 for c in counts.values()) == 25
    assert torch.isfinite(big)


def test_all_masked_gives_zero_loss_and_zero_grad():
    probs = torch.rand(2, 3, 4, 4).softmax(1).requires_grad_()
    mask = torch.zeros(2, 4, 4, dtype=torch.bool)
    for per_displacement in (False, True):
        loss = dense_iic_loss(probs, probs, 2, mask=mask, per_displacement=per_displacement)
        loss.backward()
        assert loss.item() == 0.0
        assert torch.equal(probs.grad, torch.zeros_like(probs))
        probs.grad = None


def test_masked_pixels_do_not_matter():
    torch.manual_seed(5)
    probs = torch.randn(1, 3, 6, 6).softmax(1)
    probs_t = torch.randn(1, 3, 6, 6).softmax(1)
    mask = torch.ones(1, 6, 6)
    mask[:, :, 3:] = 0
    changed = probs.clone()
    changed[:, :, :, 3:] = torch.randn(1, 3, 6, 3).softmax(1)
    for per_displacement in (False, True):
        a = dense_iic_loss(probs, probs_t, 2, mask=mask, per_displacement=per_displacement)
        b = dense_iic_loss(changed, probs_t, 2, mask=mask, per_displacement=per_displacement)
        assert a.item() == pytest.approx(b.item(), rel=1e-6)


def test_float32_half_and_amp_inputs():
    torch.manual_seed(6)
    probs = torch.randn(2, 3, 8, 8).softmax(1)
    probs_t = torch.randn(2, 3, 8, 8).softmax(1)
    ref = dense_iic_loss(probs.double(), probs_t.double(), 3, per_displacement=True)
    got = dense_iic_loss(probs, probs_t, 3, per_displacement=True)
    assert got.dtype == torch.float32
    assert got.item() == pytest.approx(ref.item(), rel=1e-4)
    half = dense_iic_loss(probs.bfloat16(), probs_t.bfloat16(), 3)
    assert half.dtype == torch.float32 and torch.isfinite(half)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        amp = iic_loss(probs[:, :, 0, 0], probs_t[:, :, 0, 0])
    assert amp.dtype == torch.float32


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_matches_cpu():
    # Smooth, correlated maps (the second is the first plus noise) keep the loss well away from
    # zero; independent per-pixel noise gives |loss| ~ 1e-5, where float32 rounding alone differs
    # by percents between any two implementations (1.5 % here between float32 and float64 on the
    # CPU). float64 on both devices must agree closely; float32 up to its rounding.
    torch.manual_seed(7)
    coarse = torch.randn(2, 3, 3, 3, dtype=torch.float64)
    logits = 4 * F.interpolate(coarse, size=(8, 8), mode='bilinear')
    probs = logits.softmax(1)
    probs_t = (logits + 0.5 * torch.randn_like(logits)).softmax(1)
    for per_displacement in (False, True):
        cpu = dense_iic_loss(probs, probs_t, 3, per_displacement=per_displacement)
        assert abs(cpu.item()) > 1e-2
        gpu = dense_iic_loss(probs.cuda(), probs_t.cuda(), 3, per_displacement=per_displacement)
        assert gpu.item() == pytest.approx(cpu.item(), rel=1e-9)
        gpu32 = dense_iic_loss(probs.float().cuda(), probs_t.float().cuda(), 3,
                               per_displacement=per_displacement)
        assert gpu32.item() == pytest.approx(cpu.item(), rel=1e-4)


def test_module_dispatch_weight_and_name():
    torch.manual_seed(8)
    probs = torch.randn(4, 3).softmax(1)
    module = IICLoss(lamb=1.5, loss_weight=2.0, loss_name='loss_main')
    assert module.loss_name == 'loss_main'
    assert module(probs, probs).item() == pytest.approx(2 * iic_loss(probs, probs, 1.5).item())
    dense = torch.randn(1, 3, 5, 5).softmax(1)
    module = IICLoss(displacement=2, per_displacement=True)
    assert module(dense, dense).item() == pytest.approx(
        dense_iic_loss(dense, dense, 2, per_displacement=True).item())
    with pytest.raises(ValueError, match="start with 'loss_'"):
        IICLoss(loss_name='iic')


@pytest.mark.parametrize('per_displacement', [False, True])
def test_subheads_scored_in_one_call_equal_one_call_each(per_displacement):
    """[S, N, k, H, W] gives the S losses of S separate calls, gradients too."""
    torch.manual_seed(5)
    probs = torch.randn(3, 2, 4, 7, 9, dtype=torch.float64).softmax(2).requires_grad_()
    probs_t = torch.randn(3, 2, 4, 7, 9, dtype=torch.float64).softmax(2).requires_grad_()
    mask, mask_t = torch.rand(2, 7, 9) > 0.2, torch.rand(2, 7, 9) > 0.2
    together = dense_iic_loss(probs, probs_t, 3, 1.3, mask, mask_t, per_displacement)
    grads = torch.autograd.grad(together.sum(), (probs, probs_t))
    each = torch.stack([dense_iic_loss(probs[i], probs_t[i], 3, 1.3, mask, mask_t,
                                       per_displacement) for i in range(3)])
    grads_each = torch.autograd.grad(each.sum(), (probs, probs_t))
    assert together.shape == (3, )
    torch.testing.assert_close(together, each, rtol=1e-10, atol=1e-12)
    for got, expected in zip(grads, grads_each):
        torch.testing.assert_close(got, expected, rtol=1e-9, atol=1e-12)
    image = torch.randn(3, 10, 4, dtype=torch.float64).softmax(-1)
    image_t = torch.randn(3, 10, 4, dtype=torch.float64).softmax(-1)
    torch.testing.assert_close(
        IICLoss(lamb=1.3)(image, image_t),
        torch.stack([iic_loss(image[i], image_t[i], 1.3) for i in range(3)]))


@pytest.mark.parametrize('height, width', [(128, 128), (23, 5), (1, 1)])
def test_transform_size_does_not_change_the_joints(height, width):
    """The FFT is padded to a size of small primes (128 + 10 -> 144): the
    joints stay those of the direct convolution."""
    from mmiic.models.losses.joint_kernels import cross_correlate, fft_size
    assert fft_size(138) == 144 and fft_size(125) == 125 and fft_size(1) == 1
    torch.manual_seed(6)
    a = torch.rand(2, 3, height, width, dtype=torch.float64)
    b = torch.rand(2, 2, height, width, dtype=torch.float64)
    d = 10 if height > 100 else 4
    torch.testing.assert_close(cross_correlate(a, b, d), conv2d_joints(a, b, d), rtol=1e-9,
                               atol=1e-9)
