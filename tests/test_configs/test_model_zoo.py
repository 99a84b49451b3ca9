"""configs/iic/metafile.yaml (OpenMMLab model-index format) and the configs agree."""
import glob
import os.path as osp

import yaml

ROOT = osp.join(osp.dirname(__file__), '..', '..')


def load_metafile():
    with open(osp.join(ROOT, 'configs', 'iic', 'metafile.yaml')) as f:
        return yaml.safe_load(f)


def test_metafile_and_configs_name_each_other():
    meta = load_metafile()
    named = [m['Config'] for m in meta['Models']]
    assert len(named) == len(set(named)), 'a config is listed twice'
    for config in named:
        assert osp.isfile(osp.join(ROOT, config)), f'metafile.yaml names missing {config}'
    on_disk = sorted(osp.relpath(p, ROOT).replace(osp.sep, '/')
                     for p in glob.glob(osp.join(ROOT, 'configs', 'iic', '*.py')))
    unlisted = sorted(set(on_disk) - set(named))
    assert not unlisted, f'configs missing from configs/iic/metafile.yaml: {unlisted}'


def test_metafile_follows_the_model_index_format():
    meta = load_metafile()
    collections = {c['Name'] for c in meta['Collections']}
    for model in meta['Models']:
        assert model['In Collection'] in collections
        assert model['Name'] == osp.splitext(osp.basename(model['Config']))[0]
        assert model['Results'] is None or all(
            {'Task', 'Dataset', 'Metrics'} <= set(r) for r in model['Results'])
    with open(osp.join(ROOT, 'model-index.yml')) as f:
        assert 'configs/iic/metafile.yaml' in yaml.safe_load(f)['Import']


def test_readmes_link_the_model_zoo_and_list_every_config():
    with open(osp.join(ROOT, 'README.md')) as f:
        assert 'configs/iic/README.md' in f.read()
    with open(osp.join(ROOT, 'configs', 'iic', 'README.md')) as f:
        zoo = f.read()
    assert 'metafile.yaml' in zoo
    missing = [m['Name'] for m in load_metafile()['Models'] if m['Name'] + '.py' not in zoo]
    assert not missing, f'configs/iic/README.md does not list {missing}'
