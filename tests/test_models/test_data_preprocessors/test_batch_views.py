"""Views made on the device: seeded per sample, same geometry as the CPU path."""
import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from mmiic.datasets.transforms import (IICCenterCropResize, IICDenseViews, IICRandomColorJitter,
                                       PackIICClsInputs, PackIICSegInputs)
from mmiic.datasets.transforms.geometry import (AFFINE_DRAWS, affine_from_uniforms,
                                                crop_resize_matrix, rotation_matrix, warp,
                                                warp_batch)
from mmiic.datasets.transforms.photometric import greyscale, jitter, jitter_factors
from mmiic.models.data_preprocessors import (IICBatchDenseViews, IICBatchPairedViews,
                                             IICDataPreprocessor, counter_uniforms)
from mmiic.models.data_preprocessors import batch_views as batch_views_module
from mmiic.models.utils import align_to_first_view
from mmiic.testing import run_on_ranks

VIEW = [dict(type='mmiic.IICCenterCropResize', crop_size=20, out_size=24)]
PAIR = [
    dict(type='mmiic.IICRandomCropResize', crop_sizes=(16, 20), out_size=24),
    dict(type='mmiic.IICRandomRotation', max_angle=25.0, prob=0.5),
    dict(type='mmiic.IICRandomAffine', max_rotation=10, scale_range=(0.9, 1.1), max_translation=2),
    dict(type='mmiic.IICRandomColorJitter', brightness=0.4, contrast=0.4),
    dict(type='mmiic.IICRandomGreyscale', prob=0.5),
]


def _smooth(h=40, w=48, channels=3):
    yy, xx = np.mgrid[0:h, 0:w]
    grey = (127 + 60 * np.sin(xx / 6.0) * np.cos(yy / 7.0)).astype(np.uint8)
    return np.repeat(grey[..., None], channels, axis=2)


def test_counter_uniforms_depend_only_on_their_key():
    u = counter_uniforms(7, 3, 0, 500, 2, 8)
    assert u.shape == (500, 8) and u.dtype == np.float64
    assert np.array_equal(u, counter_uniforms(7, 3, 0, 500, 2, 8))
    assert np.array_equal(u[:10], counter_uniforms(7, 3, 0, 10, 2, 8))  # per sample
    assert 0 <= u.min() and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.02
    assert len(np.unique(u)) == u.size
    for other in (counter_uniforms(8, 3, 0, 500, 2, 8), counter_uniforms(7, 4, 0, 500, 2, 8),
                  counter_uniforms(7, 3, 1, 500, 2, 8), counter_uniforms(7, 3, 0, 500, 3, 8),
                  counter_uniforms(7, 3 + 2**32, 0, 500, 2, 8)):
        assert (other != u).mean() > 0.99


def test_counter_keys_do_not_collide_when_their_parts_swap():
    """(seed, step) = (0, 2) drew exactly the views of (2, 0): the key XOR-ed one hash per part,
    and seed and step were hashed alike."""
    swapped = counter_uniforms(0, 2, 0, 4, 0, 8), counter_uniforms(2, 0, 0, 4, 0, 8)
    assert not np.array_equal(*swapped)
    draws = {}
    for seed in range(16):
        for step in range(16):
            for rank, stream in ((0, 0), (1, 2), (2, 1)):
                key = (seed, step, rank, stream)
                draws[key] = counter_uniforms(seed, step, rank, 3, stream, 2).tobytes()
    assert len(set(draws.values())) == len(draws)


def test_rotation_follows_opencvs_convention():
    # Positive angles turn counter-clockwise on screen, as cv2.getRotationMatrix2D.
    ours = rotation_matrix(np.array([17.0]), 40, 48)[0, :2]
    assert np.allclose(ours, cv2.getRotationMatrix2D((23.5, 19.5), 17.0, 1.0))


@pytest.mark.parametrize('border', ['reflect', 'constant'])
def test_device_warp_matches_the_cpu_warp(border):
    img = _smooth()
    np.random.seed(1)
    u = np.random.random_sample(AFFINE_DRAWS)[None]
    matrix = affine_from_uniforms(u, 40, 48, max_rotation=20, scale_range=(0.9, 1.1),
                                  max_translation=5)[0]
    cpu = warp(img, matrix, border=border).astype(np.float64)
    batch = torch.from_numpy(img).permute(2, 0, 1)[None].double()
    device = warp_batch(batch, matrix[None], border=border)[0].permute(1, 2, 0)
    err = np.abs(device.numpy() - cpu)
    assert err.mean() < 0.5 and err.max() <= 3


def test_crop_resize_matrix_is_crop_then_cv2_resize():
    img = _smooth()
    box = (5, 7, 20, 20)
    cpu = cv2.resize(img[7:27, 5:25], (24, 24), interpolation=cv2.INTER_LINEAR).astype(np.float64)
    matrix = crop_resize_matrix(np.array([box]), (24, 24))
    batch = torch.from_numpy(img).permute(2, 0, 1)[None].double()
    device = warp_batch(batch, matrix, (24, 24), border='replicate')[0].permute(1, 2, 0).numpy()
    # uint8 rounding; at the crop's edge the warp reads the real neighbours
    # where cv2.resize of the cut-out repeats its edge.
    err = np.abs(device - cpu)
    assert err[1:-1, 1:-1].max() <= 1.0 and err.max() <= 1.5


def test_paired_views_shapes_determinism_resume_and_ranks(monkeypatch):
    init_default_scope('mmpretrain')
    views = IICBatchPairedViews(VIEW, PAIR, num_repeats=3, seed=5)
    images = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (4, 3, 28, 28),
                                                                dtype=np.uint8))
    out, _ = views(images)
    assert out.shape == (4, 4, 3, 24, 24) and out.dtype == torch.float32
    assert 0 <= float(out.min()) and float(out.max()) <= 255
    assert int(views.step) == 1
    # The first view is the plain centre crop, as on the CPU (whose resize of
    # the cut-out repeats its edge where the warp reads the real neighbours).
    cpu_first = IICCenterCropResize(20, 24)(dict(img=images[0].permute(1, 2, 0).numpy()))['img']
    err = np.abs(out[0, 0].permute(1, 2, 0).numpy() - cpu_first)
    assert err[1:-1, 1:-1].max() <= 1.0
    # Paired views differ from each other and from the first view.
    assert not torch.allclose(out[:, 1], out[:, 2])
    # Resume: a fresh module loading the state continues the same sequence.
    state = {k: v.clone() for k, v in views.state_dict().items()}
    second, _ = views(images)
    resumed = IICBatchPairedViews(VIEW, PAIR, num_repeats=3, seed=99)
    resumed.load_state_dict(state)
    assert torch.equal(resumed(images)[0], second)
    assert not torch.equal(second, out)  # the next step draws new views
    # Another rank draws other views.
    monkeypatch.setattr(batch_views_module, 'get_rank', lambda: 1)
    other_rank = IICBatchPairedViews(VIEW, PAIR, num_repeats=3, seed=5)
    assert not torch.equal(other_rank(images)[0][:, 1:], out[:, 1:])


def _resume_with_diff_rank_seed(rank, world_size):
    from mmengine.dist import broadcast_object_list
    from mmengine.runner import set_random_seed
    images, samples = _dense_batch(n=2)
    set_random_seed(0, diff_rank_seed=True)  # every rank's generator seeded apart
    views = IICBatchDenseViews(max_translation=6, seed=None)
    views(images, samples)
    checkpoint = [{k: v.clone() for k, v in views.state_dict().items()}]
    broadcast_object_list(checkpoint, src=0)  # only rank 0's buffers are saved
    uninterrupted = views(images, samples)[0]
    set_random_seed(0, diff_rank_seed=True)  # the resumed run starts as the first did
    resumed = IICBatchDenseViews(max_translation=6, seed=None)
    resumed.load_state_dict(checkpoint[0])
    assert torch.equal(resumed(images, samples)[0], uninterrupted), f'rank {rank}'
    mine = [uninterrupted[:, 1]]
    broadcast_object_list(mine, src=1)
    if rank == 0:
        assert not torch.equal(mine[0], uninterrupted[:, 1])  # the ranks draw their own views


@pytest.mark.slow
@pytest.mark.dist
def test_resumed_ranks_repeat_their_views_under_diff_rank_seed():
    """With randomness.diff_rank_seed each rank drew its own view seed, but the checkpoint holds
    rank 0's buffers: a resumed rank 1 continued with other views than the uninterrupted run."""
    run_on_ranks(_resume_with_diff_rank_seed)


def test_paired_views_refuse_bad_pipelines():
    init_default_scope('mmpretrain')
    with pytest.raises(ValueError, match='follows a photometric'):
        IICBatchPairedViews(VIEW, [PAIR[3], PAIR[0]])
    with pytest.raises(TypeError, match='PackIICClsInputs has no device version'):
        IICBatchPairedViews(VIEW, [dict(type='mmiic.PackIICClsInputs')])
    views = IICBatchPairedViews([dict(type='mmiic.IICCenterCropResize', crop_size=20, out_size=20)],
                                PAIR)
    with pytest.raises(ValueError, match='same out_size'):
        views(torch.zeros(2, 1, 28, 28, dtype=torch.uint8))
    with pytest.raises(ValueError, match='crop size 20 exceeds'):
        views(torch.zeros(2, 1, 16, 16, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r'\[B, C, H, W\]'):
        views(torch.zeros(2, 2, 1, 28, 28, dtype=torch.uint8))


def test_jitter_is_the_cpu_transform_and_keeps_grey_and_luma():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    batch = torch.from_numpy(img).permute(2, 0, 1)[None].double()
    np.random.seed(4)
    cpu = IICRandomColorJitter(0.5, 0.5, 0.5, 0.2)(dict(img=img.copy(), channel_order='rgb'))
    params = cpu['view_params']['color_jitter']
    np.random.seed(4)
    for _ in range(4):
        np.random.uniform()
    order = np.random.permutation(4)[None]
    factors = np.array([[params[k] for k in ('brightness', 'contrast', 'saturation', 'hue')]])
    device = jitter(batch, factors, order)[0].permute(1, 2, 0).numpy()
    assert np.abs(device - cpu['img']).max() <= 0.5  # the CPU step only rounds to uint8
    assert not np.array_equal(cpu['img'], img)
    # Factors are drawn in [1 - x, 1 + x], the hue shift in [-hue, hue] turns.
    u = np.array([[0.0, 1.0, 0.5, 0.0]])
    assert np.allclose(jitter_factors(u, 0.4, 0.4, 0.4, 0.1), [[0.6, 1.4, 1.0, -0.1]])
    # Hue: a full turn is the identity; other shifts keep grey pixels and luma.
    full_turn = jitter(batch, np.array([[1.0, 1.0, 1.0, 1.0]]), np.array([[3]]))
    assert torch.allclose(full_turn, batch, atol=1e-6)
    mid = batch * 0.2 + 100  # far from the clipping bounds
    shifted = jitter(mid, np.array([[1.0, 1.0, 1.0, 0.2]]), np.array([[3]]))
    assert (shifted - mid).abs().max() > 5
    luma = torch.tensor([0.299, 0.587, 0.114], dtype=torch.float64).view(1, 3, 1, 1)
    assert torch.allclose((shifted * luma).sum(1), (mid * luma).sum(1), atol=1e-4)
    grey_img = batch[:, :1].expand(1, 3, 16, 16)
    assert torch.allclose(jitter(grey_img, np.array([[1.0, 1.0, 1.0, 0.3]]), np.array([[3]])),
                          grey_img, atol=1e-6)
    grey = greyscale(batch, np.array([True]))
    expected = img.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    assert torch.allclose(grey[0, 0], torch.from_numpy(expected))
    assert torch.equal(grey[0, 0], grey[0, 2])
    assert torch.equal(greyscale(batch, np.array([False])), batch)


def _dense_batch(n=3, size=(40, 48), ignore=True):
    rng = np.random.default_rng(1)
    items = []
    for _ in range(n):
        seg = rng.integers(0, 3, size).astype(np.uint8)
        if ignore:
            seg[:5, :5] = 255
        items.append(PackIICSegInputs()(dict(img=_smooth(*size), gt_seg_map=seg)))
    return torch.stack([it['inputs'] for it in items]), [it['data_samples'] for it in items]


def _map_back(pairs, samples):
    affine = torch.stack([s.view_affine for s in samples]).double()
    mask_t = torch.stack([s.valid_mask_t for s in samples])
    return align_to_first_view(pairs[:, 1].double(), affine, mask_t)


@pytest.mark.parametrize('kwargs', [dict(hflip_prob=1.0), dict(hflip_prob=0.0, vflip_prob=1.0),
                                    dict(hflip_prob=1.0, vflip_prob=1.0)])
def test_dense_device_views_align_exactly_for_flips(kwargs):
    images, samples = _dense_batch()
    pairs, samples = IICBatchDenseViews(**kwargs, seed=0)(images, samples)
    aligned, valid = _map_back(pairs, samples)
    masks = torch.stack([s.valid_mask for s in samples]).bool()
    assert not masks[:, :5, :5].any() and masks[:, 5:, 5:].all()
    # Ignored pixels stay invalid after the round trip; the rest align exactly.
    assert torch.equal(valid, masks)
    first = pairs[:, 0].double().permute(0, 2, 3, 1)
    assert torch.equal(aligned.permute(0, 2, 3, 1)[valid], first[valid])


def test_dense_device_warp_of_integer_shifts_aligns_exactly():
    images, _ = _dense_batch()
    u = counter_uniforms(0, 0, 0, 3, 0, 7)
    matrix = affine_from_uniforms(u, 40, 48, hflip_prob=0.5, vflip_prob=0.5, max_translation=15)
    matrix[:, :2, 2] = matrix[:, :2, 2].round()
    matrix = torch.from_numpy(matrix)
    first = images.double()
    second = warp_batch(first, matrix, border='reflect')
    valid_t = warp_batch(torch.ones(3, 1, 40, 48, dtype=torch.float64), matrix, nearest=True,
                         border='constant')[:, 0] > 0.5
    aligned, valid = align_to_first_view(second, matrix, valid_t)
    assert valid.any() and not valid.all()
    assert torch.equal(aligned.permute(0, 2, 3, 1)[valid], first.permute(0, 2, 3, 1)[valid])


def test_dense_device_views_affine_aligns_to_interpolation_tolerance():
    images, samples = _dense_batch(ignore=False)
    views = IICBatchDenseViews(hflip_prob=0.5, max_rotation=20, scale_range=(0.9, 1.1),
                               max_shear=8, max_translation=6, jitter=dict(brightness=0.0),
                               seed=0)
    pairs, samples = views(images, samples)
    aligned, valid = _map_back(pairs, samples)
    assert valid.float().mean() > 0.5 and not valid.all()
    err = (aligned - pairs[:, 0].double()).permute(0, 2, 3, 1)[valid].abs()
    assert err.mean() < 2.0 and err.max() < 20
    # Same statistics as the CPU step.
    np.random.seed(0)
    cpu = IICDenseViews(hflip_prob=0.5, max_rotation=20, scale_range=(0.9, 1.1), max_shear=8,
                        max_translation=6)(dict(img=_smooth()))
    assert abs(cpu['valid_mask_t'].mean() - float(valid.float().mean())) < 0.3


def test_preprocessor_makes_views_in_training_only_and_segmentor_trains():
    init_default_scope('mmseg')
    from mmiic.registry import MODELS
    model = MODELS.build(dict(
        type='mmiic.IICSegmentor',
        data_preprocessor=dict(
            type='mmiic.IICDataPreprocessor', sobel='sobel',
            batch_views=dict(type='mmiic.IICBatchDenseViews', max_translation=4,
                             jitter=dict(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.1))),
        backbone=dict(type='mmiic.IICVGG', arch=[8, 'M', 16], in_channels=2),
        decode_head=dict(type='mmiic.IICHead', in_channels=16, num_classes=3, num_subheads=1,
                         loss_decode=dict(type='mmiic.IICLoss', displacement=2,
                                          per_displacement=True))))
    images, samples = _dense_batch(n=2, size=(32, 32))
    data = model.data_preprocessor(dict(inputs=list(images), data_samples=samples), True)
    assert data['inputs'].shape == (2, 2, 2, 32, 32)
    loss = model(**data, mode='loss')['loss_main']
    loss.backward()
    assert torch.isfinite(loss)
    model.eval()
    images, samples = _dense_batch(n=1, size=(32, 32))
    data = model.data_preprocessor(dict(inputs=images, data_samples=samples), False)
    assert data['inputs'].shape == (1, 2, 32, 32)
    assert model(**data, mode='predict')[0].pred_sem_seg.data.shape == (1, 32, 32)


def test_preprocessor_device_views_for_clustering():
    init_default_scope('mmpretrain')
    pre = IICDataPreprocessor(sobel='none', in_channels=1, batch_views=dict(
        type='mmiic.IICBatchPairedViews', view_pipeline=VIEW, pair_pipeline=PAIR, num_repeats=2))
    packed = [PackIICClsInputs()(dict(img=np.full((28, 28), i * 40, np.uint8), gt_label=i))
              for i in range(3)]
    data = pre(dict(inputs=[p['inputs'] for p in packed],
                    data_samples=[p['data_samples'] for p in packed]), True)
    assert data['inputs'].shape == (3, 3, 1, 24, 24)
    assert float(data['inputs'].max()) <= 1.0  # scaled to [0, 1] without mean/std
    assert 'batch_views.step' in pre.state_dict()


@pytest.mark.parametrize('fill_step', [
    dict(type='mmiic.IICRandomRotation', max_angle=40, prob=1.0),
    dict(type='mmiic.IICRandomAffine', max_rotation=40, scale_range=(0.8, 1.2), max_translation=2),
])
def test_a_filling_step_after_a_crop_fills_outside_the_crop_as_on_the_cpu(fill_step):
    """Crop the centre 20 of 28 px, then rotate: the corners are zeros on both paths (the device
    path used to show the loaded image around the crop there)."""
    from mmiic.datasets.transforms import IICPairedViews
    steps = [dict(type='mmiic.IICCenterCropResize', crop_size=20, out_size=20), fill_step]
    white = np.full((28, 28), 255, np.uint8)
    np.random.seed(0)
    cpu = IICPairedViews(view_pipeline=steps, pair_pipeline=steps)
    cpu_zero = np.mean([(np.asarray(cpu(dict(img=white.copy()))['img']) < 128).mean()
                        for _ in range(150)])
    device = IICBatchPairedViews(view_pipeline=steps, pair_pipeline=steps, seed=0)
    views, _ = device(torch.full((150, 1, 28, 28), 255, dtype=torch.uint8))
    device_zero = (views < 128).float().mean().item()
    assert cpu_zero > 0.05  # the rotations do fill
    assert abs(device_zero - cpu_zero) < 0.02, (device_zero, cpu_zero)


def test_crop_then_affine_is_the_cpu_warp_of_the_crop_pixel_for_pixel(monkeypatch):
    """Same draws through both paths, on images with content up to their border: the device
    view is the CPU's warp of the 24 px crop (one resampling vs two, here the same numbers).
    Zeroing outside the crop after the warp instead was off by up to 50 grey levels at the
    crop's edge."""
    affine = dict(max_rotation=15, scale_range=(0.85, 1.15), max_translation=2)
    steps = [dict(type='mmiic.IICCenterCropResize', crop_size=24, out_size=24),
             dict(type='mmiic.IICRandomAffine', **affine)]
    device = IICBatchPairedViews(view_pipeline=steps, pair_pipeline=steps, seed=0)
    draws = np.random.default_rng(0).random((8, 8))
    monkeypatch.setattr(device, '_uniforms', lambda count, stream, num: draws[:count, :num])
    images = np.random.default_rng(1).integers(0, 256, (8, 28, 28)).astype(np.float32)
    views, _ = device(torch.from_numpy(images)[:, None])
    uniforms = np.concatenate([draws[:, :5], np.ones((8, 2))], 1)  # as the affine step draws
    matrices = affine_from_uniforms(uniforms, 24, 24, hflip_prob=0.0, **affine)
    cpu = np.stack([warp(image[2:26, 2:26], m, border='constant')
                    for image, m in zip(images, matrices)])
    np.testing.assert_allclose(views[:, 0, 0].numpy(), cpu, atol=0.02)
    np.testing.assert_allclose(views[:, 1, 0].numpy(), cpu, atol=0.02)


def test_resized_crop_then_rotation_stays_close_to_the_cpu_steps(monkeypatch):
    """A crop resized 16 -> 24, then a rotation with prob 0.5: two resamplings on the CPU, one on
    the device. Unrotated samples are the CPU's crop-resize inside their outer ring (there the
    device reads a sixth of the pixel beyond the crop where cv2.resize repeats the edge); rotated
    ones differ by more than 8 grey levels on few pixels (zeroing the loaded pixels outside the
    crop before the one resampling, right for unscaled crops, put 7.7 % of pixels there)."""
    steps = [dict(type='mmiic.IICRandomCropResize', crop_sizes=(16, ), out_size=24),
             dict(type='mmiic.IICRandomRotation', max_angle=25, prob=0.5)]
    device = IICBatchPairedViews(view_pipeline=steps, pair_pipeline=steps, seed=0)
    n = 32
    draws = np.random.default_rng(0).random((2, n, 8))  # per step of the view
    monkeypatch.setattr(device, '_uniforms',
                        lambda count, stream, num: draws[stream % 64, :count, :num])
    yy, xx = np.mgrid[:28, :28]
    images = np.stack([127 + 120 * np.sin(xx / 3.0 + k) * np.cos(yy / 4.0)
                       for k in range(n)]).astype(np.float32)
    views, _ = device(torch.from_numpy(images)[:, None])
    crop, turn = draws[0], draws[1]
    x0, y0 = np.floor(crop[:, 1] * 13).astype(int), np.floor(crop[:, 2] * 13).astype(int)
    angles = 25 * (2 * turn[:, 0] - 1) * (turn[:, 1] < 0.5)
    cpu = []
    for image, x, y, angle in zip(images, x0, y0, angles):
        resized = cv2.resize(image[y:y + 16, x:x + 16], (24, 24), interpolation=cv2.INTER_LINEAR)
        cpu.append(warp(resized, rotation_matrix(np.array([angle]), 24, 24)[0], border='constant'))
    difference = np.abs(views[:, 0, 0].numpy() - np.stack(cpu))
    unrotated = angles == 0
    assert unrotated.any() and (~unrotated).any()
    assert difference[unrotated][:, 1:-1, 1:-1].max() < 0.01
    assert (difference[~unrotated] > 8).mean() < 0.03, (difference[~unrotated] > 8).mean()


def test_two_filling_steps_without_a_crop_fill_as_the_cpu_steps(monkeypatch):
    """Rotation (up to 45 degrees), then an affine shrink to 0.7, on white images, same draws on
    both paths: the CPU shrinks the rotated frame, zeros around it; the device view showed the
    loaded image's corners that the rotation had turned out of the frame (0.511 vs 0.554 zero
    pixels, 13 grey levels apart on average)."""
    affine = dict(scale_range=(0.7, 0.7))
    steps = [dict(type='mmiic.IICRandomRotation', max_angle=45, prob=1.0),
             dict(type='mmiic.IICRandomAffine', **affine)]
    device = IICBatchPairedViews(view_pipeline=steps, pair_pipeline=steps, seed=0)
    n = 64
    draws = np.random.default_rng(0).random((2, n, 8))  # per step of the view
    monkeypatch.setattr(device, '_uniforms',
                        lambda count, stream, num: draws[stream % 64, :count, :num])
    white = np.full((n, 28, 28), 255, np.float32)
    views, _ = device(torch.from_numpy(white)[:, None])
    angles = 45 * (2 * draws[0][:, 0] - 1)
    shrinks = affine_from_uniforms(np.concatenate([draws[1][:, :5], np.ones((n, 2))], 1), 28, 28,
                                   hflip_prob=0.0, **affine)
    cpu = np.stack([
        warp(warp(image, rotation_matrix(np.array([angle]), 28, 28)[0], border='constant'), shrink,
             border='constant') for image, angle, shrink in zip(white, angles, shrinks)])
    assert (cpu < 128).mean() > 0.5
    for view in (0, 1):
        device_view = views[:, view, 0].numpy()
        assert abs((device_view < 128).mean() - (cpu < 128).mean()) < 0.005
        assert np.abs(device_view - cpu).mean() < 2


@pytest.mark.parametrize('recorded', [None, 'bgr', 'rgb'])
def test_device_colour_steps_act_on_the_true_colours(recorded, monkeypatch):
    """As the CPU steps: the device jitter and greyscale read each sample's channel order (BGR
    when the loader records none, as mmcv's): saturation 0 or greyscale of a red pixel is its
    luma 59.8; the RGB maps gave 22.8 on BGR images (the luma of blue)."""
    init_default_scope('mmpretrain')
    red = np.array((200, 0, 0) if recorded == 'rgb' else (0, 0, 200), np.uint8)
    extra = {} if recorded is None else dict(channel_order=recorded)
    seg = [PackIICSegInputs()(dict(img=np.tile(red, (6, 6, 1)),
                                   gt_seg_map=np.zeros((6, 6), np.uint8), **extra))
           for _ in range(2)]
    dense = IICBatchDenseViews(hflip_prob=0.0, jitter=dict(saturation=1.0),
                               first_view_jitter=dict(saturation=1.0), seed=0)
    # All draws 0: no flip, saturation factor max(0, 1 - 1) = 0.
    monkeypatch.setattr(dense, '_uniforms', lambda count, stream, num: np.zeros((count, num)))
    pairs, _ = dense(torch.stack([s['inputs'] for s in seg]), [s['data_samples'] for s in seg])
    assert torch.allclose(pairs, torch.full_like(pairs, 0.299 * 200), atol=1e-3)

    cls = [PackIICClsInputs()(dict(img=np.tile(red, (24, 24, 1)), **extra)) for _ in range(2)]
    grey = [dict(type='mmiic.IICCenterCropResize', crop_size=20, out_size=20),
            dict(type='mmiic.IICRandomGreyscale', prob=1.0)]
    paired = IICBatchPairedViews(view_pipeline=grey, pair_pipeline=grey, seed=0)
    views, _ = paired(torch.stack([c['inputs'] for c in cls]), [c['data_samples'] for c in cls])
    assert torch.allclose(views, torch.full_like(views, 0.299 * 200), atol=1e-3)
