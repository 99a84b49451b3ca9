"""Every command of the README's own-data walkthroughs ("Train on your own images"),
run as written in bash on tiny data (issue 18: train -> test -> infer -> pictures on
both folder templates).

The blocks are read from README.md (the fenced block after each
``<!-- walkthrough: NAME -->``). The only changes, listed in :data:`PLACEHOLDERS`
and :data:`TINY`: the placeholder paths become tiny folders this test writes,
tools/train.py runs 2 iterations and the data loaders use no worker processes.
"""
import csv
import glob
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest

from mmiic.testing import make_cluster_folder, make_seg_folder

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
PLACEHOLDERS = ('/path/to/your/images', '/path/to/your/label/maps', '/path/to/new/images')
LOADERS = {key: [f'{key}.num_workers=0', f'{key}.persistent_workers=False']
           for key in ('train_dataloader', 'val_dataloader', 'test_dataloader')}
TINY = {  # tool -> options appended to its commands (a second --cfg-options merges)
    'tools/train.py': ['train_cfg.max_iters=2', 'train_dataloader.batch_size=2',
                       *LOADERS['train_dataloader']],
    'tools/test.py': LOADERS['test_dataloader'],
    'tools/analysis_tools/confusion_matrix.py': LOADERS['test_dataloader'],
}


def walkthrough(name):
    """The README's bash block marked ``<!-- walkthrough: name -->``, continuation lines joined."""
    with open(osp.join(ROOT, 'README.md'), encoding='utf-8') as f:
        readme = f.read()
    found = re.search(r'<!-- walkthrough: ' + name + r' -->\n```bash\n(.*?)```', readme, re.S)
    assert found, f'README.md has no walkthrough block {name!r}'
    return [line for line in found.group(1).replace('\\\n', ' ').splitlines()
            if line.strip() and not line.lstrip().startswith('#')]


def tiny_script(lines, paths):
    out = []
    for line in lines:
        for placeholder in PLACEHOLDERS:
            line = line.replace(placeholder, paths.get(placeholder, placeholder))
        command = line.split('#')[0].rstrip()
        for tool, options in TINY.items():
            if command.startswith(f'python {tool} '):
                line = f'{command} --cfg-options {" ".join(options)}'
        out.append(line)
    return '\n'.join(out) + '\n'


def run_walkthrough(name, paths, tmp_path):
    """Run the block in ``tmp_path`` (configs/ and tools/ linked there); its `python`s."""
    lines = walkthrough(name)
    for placeholder in paths:
        assert any(placeholder in line for line in lines), f'{placeholder} not in {name}'
    for folder in ('configs', 'tools'):
        os.symlink(osp.join(ROOT, folder), tmp_path / folder)
    script = tmp_path / f'{name}.sh'
    script.write_text(tiny_script(lines, paths))
    env = dict(os.environ, PYTHONPATH=ROOT,
               PATH=osp.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
    for key in ('DATA_ROOT', 'OBJECT_SIZE'):
        env.pop(key, None)
    proc = subprocess.run(['bash', '-e', '-x', str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    ran = [line for line in proc.stderr.splitlines() if line.startswith('+ python ')]
    commands = [line for line in lines if line.startswith('python ')]
    assert len(ran) == len(commands) >= 4, ran
    return proc.stdout


@pytest.mark.slow
def test_segmentation_walkthrough(tmp_path):
    data = make_seg_folder(str(tmp_path / 'data'), values=(0, 1))  # background | cell
    new = tmp_path / 'new'
    new.mkdir()
    shutil.copy(osp.join(data, 'images', 'scene_2.png'), new / 'fresh.png')
    run_walkthrough('segmentation', {PLACEHOLDERS[0]: osp.join(data, 'images'),
                                     PLACEHOLDERS[1]: osp.join(data, 'labels'),
                                     PLACEHOLDERS[2]: str(new)}, tmp_path)
    work = tmp_path / 'work_dirs'
    (mapping, ) = glob.glob(str(work / 'test_seg' / '*' / 'cluster_mapping.json'))
    pictures = glob.glob(str(work / 'test_seg' / 'pictures' / '*.png'))
    assert len(pictures) == 3 and all(cv2.imread(p).shape[0] >= 64 for p in pictures)
    clusters = cv2.imread(str(work / 'infer_seg' / 'clusters' / 'fresh.png'), cv2.IMREAD_UNCHANGED)
    assert clusters.shape == (64, 80) and clusters.max() < 3  # the template's 3 clusters
    assert cv2.imread(str(work / 'infer_seg' / 'overlays' / 'fresh.png')).shape[1] == 80
    with open(work / 'infer_seg' / 'cluster_shares.csv') as f:
        names = {row['name'] for row in csv.DictReader(f)}
    assert names <= {'background', 'cell', 'cluster 0', 'cluster 1', 'cluster 2'}
    with open(work / 'pictures_seg' / 'confusion_matrix.csv') as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['cluster', 'background', 'cell', 'matched_class'] and len(rows) == 4
    assert sum(int(v) for row in rows[1:] for v in row[1:3]) == 3 * 64 * 80
    assert osp.getsize(work / 'pictures_seg' / 'confusion_matrix.png') > 1000


@pytest.mark.slow
def test_clustering_walkthrough(tmp_path):
    data = str(tmp_path / 'data')
    make_cluster_folder(data)  # classes 'bright' and 'dark', 4 images each
    new = tmp_path / 'new'
    new.mkdir()
    cv2.imwrite(str(new / 'fresh.png'), np.full((40, 44, 3), 210, np.uint8))
    run_walkthrough('clustering', {PLACEHOLDERS[0]: data, PLACEHOLDERS[2]: str(new)}, tmp_path)
    work = tmp_path / 'work_dirs'
    (mapping, ) = glob.glob(str(work / 'test_cls' / '*' / 'cluster_mapping.json'))
    assert len(glob.glob(str(work / 'test_cls' / 'pictures' / '*.png'))) == 8
    with open(work / 'infer_cls' / 'predictions.csv') as f:
        (row, ) = list(csv.DictReader(f))
    # num_clusters=4 reached the model: four probabilities; 2 classes name at most 2 clusters.
    assert [k for k in row if k.startswith('prob_')] == [f'prob_{c}' for c in range(4)]
    assert row['name'] in ('bright', 'dark', *[f'cluster {c}' for c in range(4)])
    with open(work / 'pictures_cls' / 'confusion_matrix.csv') as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['cluster', 'bright', 'dark', 'matched_class'] and len(rows) == 5
    assert sum(int(v) for row in rows[1:] for v in row[1:3]) == 8
    assert osp.getsize(work / 'pictures_cls' / 'confusion_matrix.png') > 1000


@pytest.mark.parametrize('name', ['segmentation', 'clustering'])
def test_every_placeholder_is_replaced(name):
    lines = walkthrough(name)
    script = tiny_script(lines, {p: '/tiny' for p in PLACEHOLDERS})
    assert '/path/to' not in script
    assert script.count('train_cfg.max_iters=2') == 1
