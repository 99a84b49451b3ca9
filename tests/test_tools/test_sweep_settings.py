"""tools/analysis_tools/sweep_settings.py on tiny fake MNIST IDX files."""
import importlib.util
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmiic.testing import make_mnist, write_idx

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIG = osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_mnist_demo.py')


def _load():
    path = osp.join(ROOT, 'tools', 'analysis_tools', 'sweep_settings.py')
    spec = importlib.util.spec_from_file_location('sweep_settings', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sweep = _load()


def _argv(data_root, work_dir, *grid, extra=()):
    return [CONFIG, '--grid', *grid, '--seeds', '0', '1', '--iters', '2', '--work-dir',
            str(work_dir), '--held-out', '16', *extra, '--cfg-options',
            f'train_dataloader.dataset.data_root={data_root}', 'train_dataloader.batch_size=8',
            'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
            'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False',
            'val_dataloader.batch_size=16', 'custom_hooks=[]']


@pytest.mark.slow
def test_sweep_ranks_without_labels(tmp_path, capsys):
    data_root = make_mnist(str(tmp_path / 'mnist'), n_train=32, n_test=16)
    work_dir = tmp_path / 'sweep'
    argv = _argv(data_root, work_dir, 'model.head.loss.lamb=1.0,2.0')
    order = sweep.main(argv)
    out = capsys.readouterr().out
    assert 'run 4/4' in out and 'labels not read' in out
    assert out.count('trained on 32 images') == 4  # 48 - 16 held out

    result = json.loads((work_dir / 'sweep_results.json').read_text())
    assert sorted(order) == ['s0', 's1'] and result['ranking'] == order
    assert result['held_out']['count'] == 16 and len(set(result['held_out']['indices'])) == 16
    rows = result['settings']
    assert [r['rank'] for r in rows] == [1, 2]
    assert {r['setting']['model.head.loss.lamb'] for r in rows} == {'1.0', '2.0'}
    for row in rows:
        signals = row['signals']
        assert -np.log(10) - 1e-6 <= signals['heldout_loss'] <= 1e-9
        assert 0 <= signals['balance_hard'] <= 1 and 0 <= signals['seed_stability'] <= 1
        assert [r['seed'] for r in row['runs']] == [0, 1]
        assert row['labels_not_used_for_ranking']['num_labelled'] == 16
        for run in row['runs']:
            assert osp.exists(osp.join(run['work_dir'], 'heldout_predictions.npz'))
    # Each run's own config says which images it trained on (no Runner internals written).
    from mmengine.config import Config
    run_dir = rows[0]['runs'][0]['work_dir']
    dumped = Config.fromfile(osp.join(run_dir, osp.basename(CONFIG))).train_dataloader.dataset
    assert dumped.type == 'mmiic.SubsetDataset' and dumped.dataset.type == 'mmiic.MNISTCluster'
    train_idx = np.load(dumped.indices)
    assert len(train_idx) == 32 and not set(train_idx) & set(result['held_out']['indices'])
    table = (work_dir / 'sweep_results.md').read_text()
    assert table.count('| s0: ') == table.count('| s1: ') == 1
    assert 'not used for it' in table
    chart = cv2.imread(str(work_dir / 'sweep_signals.png'))
    assert chart is not None and chart.shape[0] > 100 and chart.shape[1] > 400

    # Corrupt every label on disk: the rerun reuses the predictions, the ranking and every
    # label-free signal stay as they were, only the label columns change.
    for prefix, n in (('train', 32), ('t10k', 16)):
        write_idx(osp.join(data_root, f'{prefix}-labels-idx1-ubyte'), np.zeros(n, np.uint8))
    assert sweep.main(argv) == order
    assert capsys.readouterr().out.count('reusing') == 4
    corrupted = json.loads((work_dir / 'sweep_results.json').read_text())['settings']
    assert [r['signals'] for r in corrupted] == [r['signals'] for r in rows]
    assert [r['labels_not_used_for_ranking'] for r in corrupted] != [
        r['labels_not_used_for_ranking'] for r in rows]


def test_unknown_key_fails_before_training(tmp_path):
    data_root = make_mnist(str(tmp_path / 'mnist'), n_train=8, n_test=8)
    work_dir = tmp_path / 'sweep'
    with pytest.raises(KeyError, match=r"model\.head\.loss\.lambda.*has no 'lambda'"):
        sweep.main(_argv(data_root, work_dir, 'model.head.loss.lamb=1.0,2.0',
                         'model.head.loss.lambda=1.0,2.0'))
    with pytest.raises(KeyError, match=r'pipeline\.7'):
        sweep.main(_argv(data_root, work_dir,
                         'train_dataloader.dataset.pipeline.7.num_repeats=1,2'))
    assert not work_dir.exists()


def test_bad_value_names_the_setting(tmp_path):
    data_root = make_mnist(str(tmp_path / 'mnist'), n_train=8, n_test=8)
    with pytest.raises(ValueError, match=r'--grid setting model\.head\.num_subheads=0.*>= 1'):
        sweep.main(_argv(data_root, tmp_path / 'sweep', 'model.head.num_subheads=5,0'))
    with pytest.raises(ValueError, match="must be KEY=V1"):
        sweep.main(_argv(data_root, tmp_path / 'sweep', 'model.head.loss.lamb'))
    with pytest.raises(ValueError, match='trains by iteration: use --iters'):
        sweep.main([CONFIG, '--grid', 'model.head.loss.lamb=1.0,2.0', '--epochs', '1',
                    '--work-dir', str(tmp_path / 'sweep')])
    assert not (tmp_path / 'sweep').exists()


PRESETS = """
_views = ('train_dataloader.dataset.pipeline.0.view_pipeline',
          'train_dataloader.dataset.pipeline.0.pair_pipeline')


def _strength(rotation, scale, shift, brightness):
    out = {}
    for side in _views:  # [1] IICRandomAffine, [2] IICRandomColorJitter
        out.update({f'{side}.1.max_rotation': rotation, f'{side}.1.scale_range': scale,
                    f'{side}.1.max_translation': shift, f'{side}.2.brightness': brightness})
    return out


sweep_presets = dict(views=dict(mild=_strength(15, (0.85, 1.15), 2, 0.3),
                                strong=_strength(30, (0.7, 1.3), 4, 0.5)))
"""


def test_linked_keys_and_presets(tmp_path):
    """The README's presets file and a linked axis, validated against the demo config."""
    cfg = sweep.Config.fromfile(CONFIG)
    sweep.init_default_scope(cfg.default_scope)
    crop = 'train_dataloader.dataset.pipeline.0.{}_pipeline.0.crop_size'
    linked = crop.format('view') + '+' + crop.format('pair')
    rotation = 'train_dataloader.dataset.pipeline.0.pair_pipeline.1.max_rotation'
    presets_file = tmp_path / 'sweep_presets.py'
    presets_file.write_text(PRESETS)
    presets = sweep.load_presets(cfg, str(presets_file))
    settings = sweep.grid_settings(sweep.parse_grid(
        [f'{linked}=20,24', 'views=mild,strong', 'model.head.loss.lamb=1.0,2.0'], cfg, presets))
    assert len(settings) == 2 * 2 * 2
    label, overrides = settings[3]  # 20, strong, 2.0
    assert label == {linked: '20', 'views': 'strong', 'model.head.loss.lamb': '2.0'}
    assert overrides[crop.format('view')] == overrides[crop.format('pair')] == 20
    scale = 'train_dataloader.dataset.pipeline.0.pair_pipeline.1.scale_range'
    assert overrides[scale] == (0.7, 1.3) and overrides['model.head.loss.lamb'] == 2.0
    assert len(overrides) == 2 + 8 + 1  # crops, four view keys on each side, lamb
    with pytest.raises(ValueError, match='more than one axis'):
        sweep.parse_grid([f'{rotation}=5,30', 'views=mild'], cfg, presets)
    assert sweep.validate_settings(cfg, settings[2:4]) == (10, 'cls')
    with pytest.raises(ValueError, match=r"preset group 'views' has no \['medium'\]"):
        sweep.parse_grid(['views=mild,medium'], cfg, presets)
    with pytest.raises(ValueError, match='more than one axis'):
        sweep.parse_grid(['model.head.loss.lamb=1,2', 'model.head.loss.lamb=3'], cfg, presets)


def test_value_splitting_and_held_out_split():
    assert sweep.split_values('(0.9,1.1),(0.7,1.3)') == ['(0.9,1.1)', '(0.7,1.3)']
    assert sweep.split_values("'a,b',[1,2],3") == ["'a,b'", '[1,2]', '3']
    train, held = sweep.held_out_split(50, '0.2', seed=0)
    assert len(held) == 10 and len(train) == 40 and not set(train) & set(held)
    again, held_again = sweep.held_out_split(50, '10', seed=0)
    np.testing.assert_array_equal(held, held_again)
    assert len(sweep.held_out_split(70000, None, seed=0)[1]) == 2000
    assert len(sweep.held_out_split(400, None, seed=0)[1]) == 40
    for bad in ('50', '1', 'ten', '2.5'):
        with pytest.raises(ValueError, match='--held-out'):
            sweep.held_out_split(50, bad, seed=0)


@pytest.mark.slow
def test_sweep_segmentation_pixels_as_samples(tmp_path, capsys):
    config = osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_mosaic_demo.py')
    work_dir = tmp_path / 'sweep'
    argv = [config, '--grid', 'model.decode_head.loss_decode.lamb=1.0,2.0', '--seeds', '0', '1',
            '--iters', '1', '--held-out', '2', '--max-pixels', '200', '--work-dir', str(work_dir),
            '--cfg-options',
            'train_dataloader.dataset.num_images=5', 'train_dataloader.dataset.size=48',
            'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False', 'val_dataloader.num_workers=0',
            'val_dataloader.persistent_workers=False', 'custom_hooks=[]',
            'model.decode_head.num_subheads=1']
    order = sweep.main(argv)
    assert capsys.readouterr().out.count('trained on 3 images') == 4
    result = json.loads((work_dir / 'sweep_results.json').read_text())
    assert result['model'] == 'seg' and result['ranking'] == order
    for row in result['settings']:
        signals = row['signals']
        # Dense loss of 3 clusters, lamb = 1: in [-ln 3, 0]; one sub-head: no agreement.
        assert -np.log(3) - 1e-6 <= signals['heldout_loss'] <= 1e-6
        assert signals['subhead_agreement'] is None  # NaN in memory, null in strict JSON
        assert 0 <= signals['seed_stability'] <= 1
        # Stride 4: 2 held-out images of 12 x 12 output pixels, 100 kept of each (of
        # --max-pixels 200), scored against their labels.
        assert row['labels_not_used_for_ranking']['num_labelled'] == 2 * 100
    assert '200 of their output pixels' in (work_dir / 'sweep_results.md').read_text()


@pytest.mark.slow
def test_sweep_own_image_folder_without_test_loop(tmp_path, monkeypatch):
    """The folder template has no val/test loop: the held-out label maps come through the
    val pipeline of a config inheriting it, the predictions through it without labels."""
    rng = np.random.default_rng(0)
    for folder in ('images', 'labels'):
        os.makedirs(tmp_path / 'data' / folder)
    for i in range(4):
        label = np.zeros((40, 48), np.uint8)
        label[10:30, 12:36] = 1
        image = rng.integers(0, 60, (40, 48, 3), dtype=np.uint8) + 150 * label[..., None]
        cv2.imwrite(str(tmp_path / 'data' / 'images' / f'{i}.png'), image)
        cv2.imwrite(str(tmp_path / 'data' / 'labels' / f'{i}.png'), label)
    config = tmp_path / 'own_seg.py'
    config.write_text(
        f"_base_ = ['{ROOT}/configs/iic/iic_minivgg_folder_seg.py']\n"
        "train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,\n"
        "    dataset=dict(img_dir='images', label_dir='labels', classes=('bg', 'fg')))\n"
        "val_dataloader = dict(_delete_=True, batch_size=1, num_workers=0,\n"
        "    dataset=dict(pipeline={{_base_.eval_pipeline}}))\n")
    monkeypatch.setenv('DATA_ROOT', str(tmp_path / 'data'))
    work_dir = tmp_path / 'sweep'
    sweep.main([str(config), '--grid', 'model.decode_head.loss_decode.lamb=2.0', '--seeds', '0',
                '--iters', '1', '--held-out', '2', '--work-dir', str(work_dir), '--cfg-options',
                'custom_hooks=[]'])
    row = json.loads((work_dir / 'sweep_results.json').read_text())['settings'][0]
    assert row['signals']['seed_stability'] is None  # one seed
    # Both held-out images, every pixel at the input size (40 x 48), where the loss scores
    # the head's upsampled output, labelled.
    assert row['labels_not_used_for_ranking']['num_labelled'] == 2 * 40 * 48


def test_runs_are_reused_only_for_an_unchanged_config():
    from mmengine.config import Config
    sweep = _load()
    cfg = Config(dict(model=dict(head=dict(lamb=2.0)), train_cfg=dict(max_iters=5)))
    same = Config(dict(train_cfg=dict(max_iters=5), model=dict(head=dict(lamb=2.0))))
    assert sweep.config_digest(cfg) == sweep.config_digest(same)  # key order does not matter
    cfg.model.head.lamb = 1.0  # the config file edited between two sweeps
    assert sweep.config_digest(cfg) != sweep.config_digest(same)


def test_grid_over_a_config_variable_reaches_what_is_computed_from_it():
    config = osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_folder_cluster.py')
    plain = sweep.Config.fromfile(config)
    sweep.init_default_scope(plain.default_scope)
    # Before, num_clusters=3,5 trained two models of 10 clusters each.
    ks = sweep.grid_settings(sweep.parse_grid(['num_clusters=3,5'], plain, {}))
    with pytest.raises(ValueError, match=r"differ in the main head's number of clusters "
                                         r"\(\{'num_clusters=3': 3, 'num_clusters=5': 5\}\)"):
        sweep.validate_settings(plain, ks)
    base = sweep.load_config(config, {'train_dataloader.batch_size': 4})  # as main() loads it
    sizes = sweep.grid_settings(sweep.parse_grid(['image_size=24,48'], base, {}))
    assert sweep.validate_settings(base, sizes) == (10, 'cls')
    for (_, overrides), size in zip(sizes, (24, 48)):
        cfg = sweep.merge_cfg_options(base, overrides)
        assert cfg.model.head.in_channels == 128 * (size // 8)**2
        assert cfg.train_dataloader.dataset.pipeline[1].scale == size
        assert cfg.train_dataloader.batch_size == 4  # the base's --cfg-options stay
