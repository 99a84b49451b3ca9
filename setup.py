from setuptools import find_packages, setup


def get_version() -> str:
    namespace: dict = {}
    with open('mmiic/version.py', encoding='utf-8') as f:
        exec(f.read(), namespace)
    return namespace['__version__']


setup(
    name='mmiic',
    version=get_version(),
    description='Invariant Information Clustering for OpenMMLab',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests')),
    python_requires='>=3.8',
    install_requires=[
        'mmengine==0.10.7', 'mmcv>=2.0.0,<2.2.0', 'mmsegmentation==1.2.2',
        'mmpretrain==1.2.0', 'ftfy', 'regex', 'numpy', 'scipy'
    ],
    license='Apache License 2.0',
    zip_safe=False)
