"""Every segmentation config builds, trains 2 iterations and evaluates on tiny data
written in the real on-disk layouts. The trunk is narrowed (same layer layout)
to keep the suite fast on a CPU."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import mmiic  # noqa: F401
from mmiic.analysis import shrink_dataset_cfg
from mmiic.testing import make_cocostuff, make_potsdam

CONFIG_DIR = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'iic')
CONFIGS = [
    'iic_vgg_cocostuff3.py', 'iic_vgg_cocostuff15.py', 'iic_vgg_cocostuff27.py',
    'iic_vgg_potsdam3.py', 'iic_vgg_potsdam6.py', 'iic_vgg_cocostuff3_overcluster.py',
    'iic_vgg_cocostuff15_overcluster.py', 'iic_vgg_potsdam3_overcluster.py',
    'iic_vgg_potsdam6_overcluster.py', 'iic_r18v1c_cocostuff3.py', 'iic_minivgg_mosaic_demo.py',
    'iic_vgg_cocostuff3_device_views.py', 'iic_minivgg_mosaic_demo_device_views.py',
    'iic_vgg_cocostuff3_device_views_prescaled.py'
]


def _loaders(cfg):
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[key]
        loader.batch_size = 2 if key == 'train_dataloader' else 1
        loader.num_workers = 0
        loader.persistent_workers = False
        yield key, loader


def _parts(dataset):
    """The data sets with files of a loader's data set (inside wrappers too)."""
    if dataset.type == 'ConcatDataset':
        return dataset.datasets
    if dataset.type == 'mmiic.ManyToOneEvalDataset':
        return [dataset.fit_dataset, dataset.test_dataset]
    return [dataset]


def tiny_cfg(name, tmp_path):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))
    if cfg.model.backbone.type == 'mmiic.IICVGG' and 'demo' not in name:
        cfg.model.backbone.arch = [8, 16, 'M', 16, 16, (32, 2), (32, 2)]
        cfg.model.decode_head.in_channels = 32
    for key, loader in _loaders(cfg):
        for dataset in _parts(loader.dataset):
            if dataset.type == 'mmiic.COCOStuffIICDataset':
                dataset.data_root = make_cocostuff(str(tmp_path / 'coco'))
                if dataset.get('prescaled'):  # the copy shrink_seg_dataset.py would write
                    dataset.data_root = shrink_dataset_cfg(
                        dataset, str(tmp_path / 'coco_prescaled'), dataset.prescaled)
            elif dataset.type == 'mmiic.PotsdamIICDataset':
                dataset.data_root = make_potsdam(str(tmp_path / 'potsdam'))
            else:
                dataset.num_images = 2
                dataset.size = 48
    cfg.train_cfg.max_iters = 2
    cfg.train_cfg.val_interval = 2
    cfg.work_dir = str(tmp_path / 'work')
    cfg.default_hooks.logger.interval = 1
    return cfg


@pytest.mark.slow
@pytest.mark.parametrize('name', CONFIGS)
def test_config_trains_two_iterations_and_evaluates(name, tmp_path):
    runner = Runner.from_cfg(tiny_cfg(name, tmp_path))
    runner.train()
    assert runner.iter == 2
    metrics = runner.val_loop.run()
    assert 0 <= metrics['seg/acc'] <= 100 and 'seg/miou' in metrics
    if 'overcluster' in name:
        # The paper's protocol: the map is fit on the labelled train split
        # and scored on the test split.
        assert 'seg/acc_many_to_one_train_fit' in metrics
        assert 'seg/acc_many_to_one_transductive' in metrics
        evaluated = runner.val_loop.dataloader.dataset
        fit, test = evaluated.datasets
        train_split = 'train2017' if 'cocostuff' in name else 'labelled_train'
        test_split = 'val2017' if 'cocostuff' in name else 'labelled_test'
        assert all(train_split in fit.get_data_info(i)['img_path'] for i in range(len(fit)))
        assert all(test_split in test.get_data_info(i)['img_path'] for i in range(len(test)))


@pytest.mark.parametrize('name', [n for n in CONFIGS if 'overcluster' in n])
def test_overcluster_validation_fits_the_map_on_a_tenth_and_test_on_all(name):
    """Validation runs every val_interval: it predicts a tenth of the fit
    split (a cheaper estimate); the test loop, the reported number, all."""
    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))
    val, test = cfg.val_dataloader.dataset, cfg.test_dataloader.dataset
    assert val.type == test.type == 'mmiic.ManyToOneEvalDataset'
    assert val.label_fraction == 0.1 and test.label_fraction == 1.0
    assert val.fit_dataset == test.fit_dataset and val.test_dataset == test.test_dataset


@pytest.mark.parametrize('name', ['iic_vgg_cocostuff3.py', 'iic_vgg_cocostuff3_device_views.py',
                                  'iic_r50v1c_cocostuff27_frozen.py'])
def test_cocostuff_training_decodes_images_as_the_test_pipeline(name, tmp_path):
    """The loaded, resized training image (before the crop) is the test pipeline's image,
    pixel for pixel, and in the label maps' orientation: the device-views config decoded JPEGs at
    half size (Sobel magnitudes 5-14 % larger at test time than in training on photographs), and
    LoadImageFromFile turned JPEGs tagged with an EXIF rotation away from their labels."""
    import cv2
    import numpy as np
    from mmengine.registry import init_default_scope
    from PIL import Image

    from mmiic.registry import DATASETS
    init_default_scope('mmseg')
    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))
    root = make_cocostuff(str(tmp_path / 'coco'), names=2, splits=('train2017', 'val2017'),
                          size=(150, 181))
    # The same photo-like JPEG in both splits, tagged "rotate 180 to display".
    stored = cv2.imread(osp.join(root, 'images', 'train2017', '000000000001.jpg'))
    exif = Image.Exif()
    exif[0x0112] = 3
    for split in ('train2017', 'val2017'):
        Image.fromarray(stored[..., ::-1]).save(
            osp.join(root, 'images', split, '000000000001.jpg'), exif=exif.tobytes(), quality=95)

    def loaded(loader, last_step):
        pipeline = list(loader.dataset.pipeline)
        cut = next(i for i, step in enumerate(pipeline) if step['type'] == last_step)
        dataset = DATASETS.build(dict(loader.dataset, data_root=root, pipeline=pipeline[:cut]))
        return dataset[0]

    train = loaded(cfg.train_dataloader, 'RandomCrop')
    test = loaded(cfg.test_dataloader, 'mmiic.PackIICSegInputs')
    assert train['img_path'].replace('train2017', 'val2017') == test['img_path']
    assert np.array_equal(train['img'], test['img'])
    # Stored orientation, decoded at full size and resized bilinearly (cv2.resize, INTER_LINEAR).
    decoded = cv2.imread(test['img_path'], cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    expected = cv2.resize(decoded, test['img'].shape[1::-1], interpolation=cv2.INTER_LINEAR)
    assert np.array_equal(test['img'], expected)
