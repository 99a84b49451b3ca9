"""Install mmiic with pip (``pip install .``) or mim (``mim install .``).

As in mmsegmentation/mmpretrain, ``configs/`` and ``tools/`` travel inside the
package as ``mmiic/.mim/`` so that ``mim train mmiic CONFIG`` finds both: they
are copied there for a wheel or sdist and linked there for ``setup.py develop``.
"""
import os
import os.path as osp
import shutil
import sys
import warnings
from typing import List

from setuptools import find_packages, setup

ROOT = osp.dirname(osp.abspath(__file__))
MIM_FILES = ('configs', 'tools', 'model-index.yml')


def get_version() -> str:
    namespace: dict = {}
    with open(osp.join(ROOT, 'mmiic', 'version.py'), encoding='utf-8') as f:
        exec(f.read(), namespace)
    return namespace['__version__']


def parse_requirements(fname: str) -> List[str]:
    """Requirement lines of ``fname`` (``-r other.txt`` followed, comments dropped)."""
    requirements = []
    with open(osp.join(ROOT, fname), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line.startswith('-r '):
                requirements += parse_requirements(osp.join(osp.dirname(fname), line[3:].strip()))
            elif line:
                requirements.append(line)
    return requirements


def add_mim_extension() -> None:
    """Put configs/ and tools/ into mmiic/.mim (mmsegmentation's scheme).

    Symlinks for ``setup.py develop``; copies when building a wheel or an
    sdist; nothing for other commands (e.g. ``egg_info``).
    """
    if 'develop' in sys.argv:
        mode = 'symlink'
    elif 'sdist' in sys.argv or 'bdist_wheel' in sys.argv:
        mode = 'copy'
    else:
        return
    mim_path = osp.join(ROOT, 'mmiic', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in MIM_FILES:
        src_path = osp.join(ROOT, name)
        if not osp.exists(src_path):
            continue
        tar_path = osp.join(mim_path, name)
        if osp.isfile(tar_path) or osp.islink(tar_path):
            os.remove(tar_path)
        elif osp.isdir(tar_path):
            shutil.rmtree(tar_path)
        if mode == 'symlink':
            try:
                os.symlink(osp.relpath(src_path, osp.dirname(tar_path)), tar_path)
                continue
            except OSError:
                warnings.warn(f'could not link {tar_path} to {src_path}; copying it instead')
        if osp.isfile(src_path):
            shutil.copyfile(src_path, tar_path)
        else:
            shutil.copytree(src_path, tar_path,
                            ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmiic',
        version=get_version(),
        description='Invariant Information Clustering for OpenMMLab',
        long_description=open(osp.join(ROOT, 'README.md'), encoding='utf-8').read(),
        long_description_content_type='text/markdown',
        keywords='computer vision, unsupervised learning, clustering, semantic segmentation',
        packages=find_packages(exclude=('configs', 'tools', 'tests')),
        include_package_data=True,
        python_requires='>=3.8',
        classifiers=[
            'Development Status :: 4 - Beta',
            'License :: OSI Approved :: Apache Software License',
            'Operating System :: OS Independent',
            'Programming Language :: Python :: 3',
            'Topic :: Scientific/Engineering :: Artificial Intelligence',
        ],
        license='Apache License 2.0',
        install_requires=(parse_requirements('requirements/runtime.txt')
                          + parse_requirements('requirements/mminstall.txt')),
        extras_require={
            'all': parse_requirements('requirements.txt'),
            'tests': parse_requirements('requirements/tests.txt'),
            'optional': parse_requirements('requirements/optional.txt'),
            'mim': parse_requirements('requirements/mminstall.txt'),
        },
        zip_safe=False)
