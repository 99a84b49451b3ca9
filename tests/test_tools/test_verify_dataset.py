"""tools/misc/verify_dataset.py lists every file of a config's data set that cannot be read."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest

from mmiic.testing import MNIST_CONFIG, ROOT, load_tool, make_seg_folder

verify = load_tool('tools/misc/verify_dataset.py')
SEG_CONFIG = osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_folder_seg.py')


def _seg_root_with_bad_files(tmp_path):
    root = make_seg_folder(str(tmp_path / 'seg'))
    images = osp.join(root, 'images')
    with open(osp.join(images, 'notes.png'), 'w') as f:
        f.write('not an image')
    # A label map that cannot be decoded: the image reads, its label does not.
    with open(osp.join(root, 'labels', 'scene_2.png'), 'wb') as f:
        f.write(b'\x89PNG broken')
    return root, images


def test_lists_unreadable_images_and_label_maps(tmp_path):
    root, images = _seg_root_with_bad_files(tmp_path)
    out = str(tmp_path / 'broken.log')
    # The training set of the folder template (no labels): the unreadable image.
    broken = verify.main([SEG_CONFIG, '--out-path', out, '--cfg-options',
                          f'train_dataloader.dataset.data_root={images}'])
    assert [path for path, _ in broken] == [osp.join(images, 'notes.png')]
    assert 'cannot read image' in broken[0][1]
    with open(out) as f:
        assert f.read().splitlines() == [osp.join(images, 'notes.png')]
    # An evaluation set with label maps, tiled, read by 2 threads: the bad label map once.
    dataset = ("dict(type='mmiic.ImageFolderSegDataset', data_root=" + repr(root) + ", "
               "img_dir='images', label_dir='labels', label_map={10: 0, 20: 1}, tile_size=40, "
               "pipeline=[dict(type='mmiic.LoadIICImage'), dict(type='mmiic.LoadIICAnnotations'),"
               " dict(type='mmiic.PackIICSegInputs')])")
    config = tmp_path / 'eval.py'
    config.write_text(f'_base_ = [{SEG_CONFIG!r}]\n'
                      f'test_dataloader = dict(_delete_=True, batch_size=1, num_workers=0, '
                      f'dataset={dataset})\n')
    label = osp.join(root, 'labels', 'scene_2.png')
    broken = verify.main([str(config), '--phase', 'test', '--num-workers', '2', '--out-path', out])
    assert sorted(path for path, _ in broken) == sorted([osp.join(images, 'notes.png'), label])
    label_error = dict(broken)[label]
    assert 'cannot decode label map' in label_error


def test_a_phase_without_data_is_named(tmp_path):
    with pytest.raises(ValueError, match='iic_minivgg_folder_seg.py has no test set.*set '
                                         'label_dir'):
        verify.main([SEG_CONFIG, '--phase', 'test', '--out-path', str(tmp_path / 'b.log')])
    with pytest.raises(ValueError, match='iic_minivgg_folder_seg.py has no val_dataloader'):
        verify.main([SEG_CONFIG, '--phase', 'val', '--out-path', str(tmp_path / 'b.log')])


def test_options_reach_the_data_set_as_in_every_tool(tmp_path, monkeypatch):
    # The template's variables (data_root, label_dir, classes), as in train.py and test.py;
    # merged into the parsed config, data_root changed nothing and DATA_ROOT was checked.
    monkeypatch.setenv('DATA_ROOT', osp.join(make_seg_folder(str(tmp_path / 'good')), 'images'))
    made = make_seg_folder(str(tmp_path / 'made'), values=(0, 1))
    root = str(tmp_path / 'bad')
    shutil.move(osp.join(made, 'images'), root)
    shutil.move(osp.join(made, 'labels'), osp.join(root, 'labels'))
    with open(osp.join(root, 'notes.png'), 'w') as f:
        f.write('not an image')
    label = osp.join(root, 'labels', 'scene_2.png')
    with open(label, 'wb') as f:
        f.write(b'\x89PNG broken')
    out = str(tmp_path / 'broken.log')
    broken = verify.main([SEG_CONFIG, '--out-path', out, '--cfg-options', f'data_root={root}'])
    assert [path for path, _ in broken] == [osp.join(root, 'notes.png')]
    broken = verify.main([SEG_CONFIG, '--phase', 'test', '--out-path', out, '--cfg-options',
                          f'data_root={root}', 'label_dir=labels', 'classes=(a,b)'])
    assert sorted(path for path, _ in broken) == sorted([osp.join(root, 'notes.png'), label])


@pytest.mark.slow
def test_in_memory_data_set_has_nothing_broken_and_exit_status(tmp_path, tiny_mnist):
    data_root, options, _ = tiny_mnist
    out = str(tmp_path / 'broken.log')
    assert verify.main([MNIST_CONFIG, '--out-path', out, '--cfg-options', *options]) == []
    assert open(out).read() == ''
    # As a script: exit status 1 when a file cannot be read, the list on stdout.
    root, images = _seg_root_with_bad_files(tmp_path)
    proc = subprocess.run([sys.executable, 'tools/misc/verify_dataset.py', SEG_CONFIG,
                           '--out-path', out, '--cfg-options',
                           f'train_dataloader.dataset.data_root={images}'],
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert '1 broken file(s) in the train data set' in proc.stdout
    assert 'notes.png: cannot read image' in proc.stdout
