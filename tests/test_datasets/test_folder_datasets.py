"""Folder data sets on real files: PNG, JPEG, 16-bit and multi-channel TIFF, CSV labels."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import tifffile

from mmiic.datasets import ImageFolderClusterDataset, ImageFolderSegDataset, LoadIICAnnotations
from mmiic.datasets.transforms import LoadIICImage, read_image, to_uint8
from mmiic.testing import make_cluster_folder, make_seg_folder

LOAD = [dict(type='mmiic.LoadIICImage')]


def test_read_image_keeps_depth_channels_and_rgb_order(tmp_path):
    deep = np.arange(20 * 30, dtype=np.uint16).reshape(20, 30) * 100
    tifffile.imwrite(tmp_path / 'deep.tif', deep)
    np.testing.assert_array_equal(read_image(str(tmp_path / 'deep.tif')), deep)
    # Five channels stored planar (C, Y, X), as microscopes write them.
    planar = np.stack([np.full((8, 9), c * 1000, np.uint16) for c in range(5)])
    tifffile.imwrite(tmp_path / 'planar.tif', planar, photometric='minisblack',
                     planarconfig='separate')
    img = read_image(str(tmp_path / 'planar.tif'))
    assert img.shape == (8, 9, 5) and img[0, 0, 3] == 3000
    rgb = np.zeros((4, 5, 3), np.uint8)
    rgb[..., 0] = 200  # red
    cv2.imwrite(str(tmp_path / 'red.png'), rgb[..., ::-1])
    assert read_image(str(tmp_path / 'red.png'))[0, 0].tolist() == [200, 0, 0]
    # Channels as pages without metadata (axes QYX) read as channels; long stacks refused.
    tifffile.imwrite(tmp_path / 'pages.tif', planar[:3], photometric='minisblack')
    assert read_image(str(tmp_path / 'pages.tif')).shape == (8, 9, 3)
    tifffile.imwrite(tmp_path / 'stack.tif', np.zeros((40, 8, 9), np.uint16),
                     photometric='minisblack')
    with pytest.raises(ValueError, match='stack.tif: .*stacks are not supported'):
        read_image(str(tmp_path / 'stack.tif'))
    png16 = (np.arange(12, dtype=np.uint16).reshape(3, 4) * 5000)
    cv2.imwrite(str(tmp_path / 'deep.png'), png16)
    np.testing.assert_array_equal(read_image(str(tmp_path / 'deep.png')), png16)


def test_to_uint8_scales_16_bit_and_standardises_with_stats():
    img = np.array([[0, 65535], [257 * 100, 257 * 200]], np.uint16)
    assert to_uint8(img).tolist() == [[0, 255], [100, 200]]
    # 12-bit data in a 16-bit container: data statistics keep its contrast.
    narrow = np.array([[1000, 1100], [1200, 1300]], np.uint16)
    assert to_uint8(narrow).tolist() == [[4, 4], [5, 5]]  # 4 data values, 2 grey levels
    stats = dict(mean=[1150.0], std=[50.0])
    out = to_uint8(narrow, stats)
    assert out.tolist() == [[8, 88], [168, 248]]  # 128 + 40 z, z = -3, -1, 1, 3
    with pytest.raises(ValueError, match='channels'):
        to_uint8(np.zeros((2, 2, 3), np.uint16), stats)


def test_cluster_folder_with_folder_labels_reads_every_format(tmp_path):
    root = str(tmp_path / 'imgs')
    make_cluster_folder(root)
    ds = ImageFolderClusterDataset(root, labels='folders', pipeline=LOAD)
    assert len(ds) == 8 and ds.metainfo['classes'] == ('bright', 'dark')
    labels = [ds[i]['gt_label'] for i in range(len(ds))]
    assert labels == [0] * 4 + [1] * 4
    for i in range(len(ds)):
        img = ds[i]['img']
        assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    # 16-bit TIFF of a bright image (values ~ 200 * 257) reads as ~200, grey JPEG as 3 channels.
    tif = next(i for i in range(len(ds)) if ds[i]['img_path'].endswith('.tif')
               and 'bright' in ds[i]['img_path'])
    assert 170 < ds[tif]['img'].mean() < 230
    grey = ImageFolderClusterDataset(root, color_type='grayscale', pipeline=LOAD)
    assert grey[0]['img'].ndim == 2


def test_cluster_folder_csv_labels_and_data_statistics(tmp_path):
    root = str(tmp_path / 'imgs')
    paths = make_cluster_folder(root)
    with open(osp.join(root, 'labels.csv'), 'w') as f:
        f.write('filename,label\n')
        for p in paths[:6]:
            f.write(f'{osp.relpath(p, root)},{"a" if "dark" in p else "b"}\n')
    # The folder mixes 8-bit PNG/JPEG with 16-bit TIFF: one standardisation for both warns.
    with pytest.warns(UserWarning, match=r'mix bit depths \(uint16: 2 .*; uint8: 6'):
        ds = ImageFolderClusterDataset(root, labels='labels.csv', normalize='data', pipeline=LOAD)
    assert ds.metainfo['classes'] == ('a', 'b')
    labelled = [ds[i].get('gt_label') for i in range(len(ds))]
    assert labelled.count(None) == 2
    stats = ds.metainfo['channel_stats']
    assert len(stats['mean']) == 3 and all(s > 0 for s in stats['std'])
    # Standardised images centre on 128 over the set.
    assert abs(np.mean([ds[i]['img'].mean() for i in range(len(ds))]) - 128) < 20


@pytest.mark.parametrize('case', ['empty', 'one', 'unreadable', 'root_image', 'csv_unknown'])
def test_cluster_folder_errors_name_the_culprit(tmp_path, case):
    root = tmp_path / 'imgs'
    os.makedirs(root / 'a')
    labels = None
    if case == 'empty':
        match = 'holds no images'
    elif case == 'one':
        cv2.imwrite(str(root / 'a' / 'only.png'), np.zeros((8, 8), np.uint8))
        match = 'only.png'
    elif case == 'unreadable':
        cv2.imwrite(str(root / 'a' / 'ok.png'), np.zeros((8, 8), np.uint8))
        (root / 'a' / 'broken.png').write_bytes(b'not an image at all')
        match = 'broken.png: cannot read image'
    elif case == 'root_image':
        cv2.imwrite(str(root / 'a' / 'ok.png'), np.zeros((8, 8), np.uint8))
        cv2.imwrite(str(root / 'loose.png'), np.zeros((8, 8), np.uint8))
        labels, match = 'folders', 'loose.png lies directly'
    else:
        for name in ('x.png', 'y.png'):
            cv2.imwrite(str(root / 'a' / name), np.zeros((8, 8), np.uint8))
        (root / 'l.csv').write_text('filename,label\na/x.png,cat\na/z.png,dog\n')
        labels, match = 'l.csv', "line 3: no image 'a/z.png'"
    with pytest.raises(ValueError, match=match):
        ds = ImageFolderClusterDataset(str(root), labels=labels, pipeline=LOAD)
        for i in range(len(ds)):
            ds[i]


def _write_bad_files(folder):
    """Two files a decoder refuses: not an image at all, and a truncated PNG."""
    (folder / 'text.png').write_bytes(b'not an image at all')
    ok, png = cv2.imencode('.png', np.random.default_rng(0).integers(0, 255, (16, 16), np.uint8))
    (folder / 'cut.png').write_bytes(png.tobytes()[:60])
    return [str(folder / 'cut.png'), str(folder / 'text.png')]


@pytest.mark.parametrize('kind', ['cluster', 'seg'])
def test_unreadable_images_are_all_listed_when_the_data_set_is_built(tmp_path, kind):
    """A bad file stops the run before training, naming every bad file (not a worker's
    crash mid-epoch on the first one)."""
    root = tmp_path / 'imgs'
    if kind == 'cluster':
        make_cluster_folder(str(root))
        bad = _write_bad_files(root / 'dark')
        build = ImageFolderClusterDataset
        kwargs = {}
    else:
        make_seg_folder(str(tmp_path / 'seg'), with_labels=False)
        root = tmp_path / 'seg' / 'images'
        bad = _write_bad_files(root / 'sub')
        build = ImageFolderSegDataset
        kwargs = dict(tile_size=32)
    with pytest.raises(ValueError, match=r'2 of the \d+ images under .* cannot be read') as error:
        build(str(root), pipeline=LOAD, **kwargs)
    message = str(error.value)
    assert all(f'{path}: cannot read image' in message for path in bad)
    assert "bad_images='skip'" in message

    with pytest.warns(UserWarning, match='leaving out 2 of the') as caught:
        ds = build(str(root), pipeline=LOAD, bad_images='skip', **kwargs)
    assert all(path in str(caught[0].message) for path in bad)
    assert [path for path, _ in ds.unreadable_images] == bad
    paths = {ds.get_data_info(i)['img_path'] for i in range(len(ds))}
    assert not paths & set(bad)
    for i in range(len(ds)):  # every sample left loads
        assert ds[i]['img'].dtype == np.uint8


def test_bad_images_policy_is_checked(tmp_path):
    make_cluster_folder(str(tmp_path / 'imgs'))
    with pytest.raises(ValueError, match="bad_images must be one of .*got 'ignore'"):
        ImageFolderClusterDataset(str(tmp_path / 'imgs'), bad_images='ignore')


def test_mixed_bit_depths_warn_only_with_one_standardisation(tmp_path, recwarn):
    root = tmp_path / 'seg'
    make_seg_folder(str(root), with_labels=False)  # 8-bit PNGs and 16-bit TIFFs
    ImageFolderSegDataset(str(root), img_dir='images', pipeline=LOAD)  # each scaled by its type
    assert not [w for w in recwarn if 'bit depths' in str(w.message)]
    with pytest.warns(UserWarning, match=r'mix bit depths \(uint16: 1 .*scene_1.tif.*; uint8: 2'):
        ImageFolderSegDataset(str(root), img_dir='images', normalize='data', pipeline=LOAD)
    with pytest.warns(UserWarning, match='mix bit depths'):
        ImageFolderSegDataset(str(root), img_dir='images', pipeline=LOAD,
                              channel_stats=dict(mean=[100.0] * 3, std=[50.0] * 3))


def _seg_pipeline():
    return [dict(type='mmiic.LoadIICImage'), dict(type='mmiic.LoadIICAnnotations')]


def test_seg_folder_maps_labels_and_tiles_large_images(tmp_path):
    root = make_seg_folder(str(tmp_path / 'seg'))
    ds = ImageFolderSegDataset(root, img_dir='images', label_dir='labels',
                               label_map={10: 0, 20: 1}, classes=('stripes', 'flat'),
                               pipeline=_seg_pipeline())
    assert len(ds) == 3 and ds.metainfo['classes'] == ('stripes', 'flat')
    sample = ds[0]
    assert sample['img'].shape == (64, 80, 3) and sample['img'].dtype == np.uint8
    assert (sample['gt_seg_map'][:, :40] == 0).all() and (sample['gt_seg_map'][:, 40:] == 1).all()
    tif = next(ds[i] for i in range(3) if ds[i]['img_path'].endswith('.tif'))
    assert 170 < tif['img'][:, 45:].mean() < 210  # 16-bit 190 * 257 reads as ~190
    tiled = ImageFolderSegDataset(root, img_dir='images', label_dir='labels',
                                  label_map={10: 0, 20: 1}, tile_size=(40, 48),
                                  pipeline=_seg_pipeline())
    # 64 x 80 -> rows at 0, 24 and columns at 0, 32: 4 tiles per image.
    assert len(tiled) == 12
    boxes = sorted({tuple(tiled.get_data_info(i)['tile_box']) for i in range(4)})
    assert boxes == [(0, 0, 48, 40), (0, 24, 48, 40), (32, 0, 48, 40), (32, 24, 48, 40)]
    tile = next(tiled[i] for i in range(12) if tuple(tiled[i]['tile_box']) == (32, 0, 48, 40))
    assert tile['img'].shape == (40, 48, 3)
    # Tile columns 32..79: the border between the labels (x = 40) is at tile column 8.
    assert (tile['gt_seg_map'][:, :8] == 0).all() and (tile['gt_seg_map'][:, 8:] == 1).all()


def test_seg_folder_multichannel_tiff_with_data_statistics(tmp_path):
    root = tmp_path / 'ms'
    os.makedirs(root)
    rng = np.random.default_rng(0)
    for i in range(2):
        tifffile.imwrite(root / f'scene_{i}.tif',
                         (rng.normal(1000 + 500 * np.arange(4), 30, (32, 32, 4))).astype(np.uint16),
                         photometric='minisblack', planarconfig='contig')
    ds = ImageFolderSegDataset(str(root), color_type='unchanged', normalize='data',
                               pipeline=[dict(type='mmiic.LoadIICImage')])
    stats = ds.metainfo['channel_stats']
    np.testing.assert_allclose(stats['mean'], [1000, 1500, 2000, 2500], atol=5)
    img = ds[0]['img']
    assert img.shape == (32, 32, 4) and abs(img.mean() - 128) < 3


@pytest.mark.parametrize('case', ['size', 'value', 'missing', 'one', 'empty'])
def test_seg_folder_errors_name_the_culprit(tmp_path, case):
    root = make_seg_folder(str(tmp_path / 'seg'), n=2)
    label = osp.join(root, 'labels', 'scene_1.png')
    if case == 'size':
        cv2.imwrite(label, np.full((10, 10), 10, np.uint8))
        match = 'scene_1.* and label .*scene_1.png .* differ in size'
    elif case == 'value':
        bad = np.full((64, 80), 10, np.uint8)
        bad[5, 5] = 99
        cv2.imwrite(label, bad)
        match = 'scene_1.png: label value 99 is outside the label mapping'
    elif case == 'missing':
        os.remove(label)
        match = 'has no label map .*scene_1.png'
    elif case == 'one':
        os.remove(label)
        os.remove(osp.join(root, 'images', 'scene_1.tif'))
        match = 'one image only .*scene_0.png'
    else:
        root = str(tmp_path / 'nothing')
        os.makedirs(osp.join(root, 'images'))
        os.makedirs(osp.join(root, 'labels'))
        match = 'holds no images'
    with pytest.raises((ValueError, FileNotFoundError), match=match):
        ds = ImageFolderSegDataset(root, img_dir='images', label_dir='labels',
                                   label_map={10: 0, 20: 1}, pipeline=_seg_pipeline())
        for i in range(len(ds)):
            ds[i]


def test_load_iic_image_takes_bgr_arrays_like_video_frames():
    frame = np.zeros((4, 4, 3), np.uint8)
    frame[..., 2] = 255  # red in OpenCV's BGR order
    out = LoadIICImage()(dict(img=frame))
    assert out['img'][0, 0].tolist() == [255, 0, 0]
    assert LoadIICImage(channel_order='bgr')(dict(img=frame))['img'][0, 0].tolist() == [0, 0, 255]
    assert LoadIICImage(color_type='grayscale')(dict(img=frame))['img'].shape == (4, 4)
    assert isinstance(LoadIICAnnotations(), LoadIICAnnotations)


def test_seg_folder_label_values_are_class_ids_with_classes_only(tmp_path):
    for i in range(2):
        os.makedirs(tmp_path / 'labels', exist_ok=True)
        cv2.imwrite(str(tmp_path / f'img_{i}.png'), np.zeros((8, 8, 3), np.uint8))
        label = np.zeros((8, 8), np.uint8)
        label[:, 4:] = 1
        label[0, 0] = 255
        cv2.imwrite(str(tmp_path / 'labels' / f'img_{i}.png'), label)
    ds = ImageFolderSegDataset(str(tmp_path), label_dir='labels', classes=('a', 'b'),
                               pipeline=_seg_pipeline())
    seg = ds[0]['gt_seg_map']
    assert seg[0, 0] == 255 and (seg[1:, :4] == 0).all() and (seg[:, 4:] == 1).all()
    # Without classes or label_map the number of classes is unknown: refused at init.
    with pytest.raises(ValueError, match='label_dir needs classes or label_map'):
        ImageFolderSegDataset(str(tmp_path), label_dir='labels', pipeline=_seg_pipeline())


def test_seg_folder_leaves_out_the_label_folder_and_exclude_dirs(tmp_path):
    root = make_seg_folder(str(tmp_path / 'seg'))
    images = sorted(osp.join(root, 'images', f) for f in (osp.join('sub', 'scene_0.png'),
                                                          'scene_1.tif', 'scene_2.png'))
    for exclude in (['labels'], [osp.join(root, 'labels')], 'labels'):
        ds = ImageFolderSegDataset(root, exclude_dirs=exclude, pipeline=LOAD)
        assert sorted(ds.get_data_info(i)['img_path'] for i in range(len(ds))) == images
    # Without it, the label maps are images of the folder like any PNG.
    assert len(ImageFolderSegDataset(root, pipeline=LOAD)) == 6
