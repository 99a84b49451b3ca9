"""The helpers the tests share live in mmiic.testing: no test imports them from conftest (which
only holds fixtures), and the tools' tests find the checkout through it."""
import ast
import glob
import os.path as osp

from mmiic import testing

TESTS = osp.abspath(osp.join(osp.dirname(__file__), '..'))


def test_no_test_imports_from_conftest():
    found = []
    for path in glob.glob(osp.join(TESTS, '**', '*.py'), recursive=True):
        with open(path, encoding='utf-8') as f:
            tree = ast.parse(f.read(), path)
        found += [f'{osp.relpath(path, TESTS)}:{node.lineno}' for node in ast.walk(tree)
                  if isinstance(node, ast.ImportFrom) and node.module == 'conftest'
                  or isinstance(node, ast.Import) and any(a.name == 'conftest' for a in node.names)]
    assert not found, f'import these from mmiic.testing instead: {found}'


def test_conftest_defines_fixtures_only():
    with open(osp.join(TESTS, 'conftest.py'), encoding='utf-8') as f:
        tree = ast.parse(f.read())
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert functions
    for node in functions:
        assert any('fixture' in ast.unparse(d) for d in node.decorator_list), node.name


def test_tiny_configs_and_tools_are_the_checkouts():
    assert testing.ROOT == osp.dirname(TESTS)
    assert osp.isfile(testing.MNIST_CONFIG) and osp.isfile(testing.MOSAIC_CONFIG)
    train = testing.load_tool('tools/train.py')
    assert callable(train.main) and train.__file__ == osp.join(testing.ROOT, 'tools', 'train.py')
