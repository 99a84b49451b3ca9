"""README: the Tools table lists every script under tools/, and the checkpoint paragraph names
exactly the schemes whose loaders mmiic replaces."""
import glob
import itertools
import os.path as osp
import re

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..'))


def _readme() -> str:
    with open(osp.join(ROOT, 'README.md'), encoding='utf-8') as f:
        return f.read()


def _section(text: str, title: str) -> str:
    start = text.index(f'\n## {title}\n')
    end = text.find('\n## ', start + 1)
    return text[start:end if end >= 0 else None]


def _expand(path: str) -> list:
    """``a/{b,c}.py`` -> ``a/b.py``, ``a/c.py``."""
    parts = re.split(r'\{([^}]*)\}', path)
    choices = [[p] if i % 2 == 0 else p.split(',') for i, p in enumerate(parts)]
    return [''.join(c) for c in itertools.product(*choices)]


def _scripts() -> set:
    """Files under tools/ a user runs: shell scripts and Python files with a __main__ block."""
    found = set()
    for path in glob.glob(osp.join(ROOT, 'tools', '**', '*'), recursive=True):
        if path.endswith('.sh'):
            found.add(osp.relpath(path, ROOT))
        elif path.endswith('.py'):
            with open(path, encoding='utf-8') as f:
                if "if __name__ == '__main__':" in f.read():
                    found.add(osp.relpath(path, ROOT))
    return found


def test_tools_table_lists_every_script():
    table = [line for line in _section(_readme(), 'Tools').splitlines() if line.startswith('| `')]
    listed = set()
    for line in table:
        for code in re.findall(r'`([^`]*)`', line.split(' | ')[0]):
            listed.update(_expand(code.split()[0]))
    scripts = _scripts()
    assert {'tools/train.py', 'tools/infer.py', 'tools/misc/verify_dataset.py'} <= scripts
    missing = scripts - listed
    assert not missing, f'add these scripts to the README Tools table: {sorted(missing)}'
    assert not listed - scripts - {p for p in listed if osp.isfile(osp.join(ROOT, p))}, (
        f'the Tools table lists files that do not exist: {sorted(listed - scripts)}')


def test_checkpoint_paragraph_names_the_replaced_schemes():
    from mmengine.runner import CheckpointLoader

    from mmiic.utils.checkpoint_compat import SAFE_LOADERS
    paragraph = next(p for p in _readme().split('\n\n') if p.startswith('Checkpoints load safely'))
    replaced_part, kept_part = paragraph.split('The other schemes')
    replaced = set(re.findall(r'`([a-z0-9-]+://)`', replaced_part))
    kept = set(re.findall(r'`([a-z0-9-]+://)`', kept_part))
    assert 'local files' in replaced_part and '' in SAFE_LOADERS
    assert replaced == set(SAFE_LOADERS) - {''}
    # Every other scheme mmengine registers (some as regular expressions, '(\S+\:)?s3://').
    registered = {re.sub(r'^\(.*\)\?', '', prefix) for prefix in CheckpointLoader._schemes}
    assert kept == registered - set(SAFE_LOADERS)
