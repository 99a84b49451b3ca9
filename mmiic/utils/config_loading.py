"""Config loading for every tool: ``--cfg-options`` that reach derived values.

mmengine merges ``--cfg-options key=value`` into the *parsed* config, after
the config file has computed its values. A top-level variable of a config
file (``num_clusters``, ``image_size``, ``crop_size``, ``object_size``,
``data_root``, ...) is then changed alone: the values computed from it at
parse time (a head's ``num_classes``, an evaluator's ``num_classes``, a
backbone's ``in_channels``, the crops of a pipeline) keep the file's value,
and ``print_config.py`` shows the new value although nothing uses it.

:func:`load_config` parses the file again as if each such variable were
assigned the given value where it is defined: every file of the ``_base_``
chain that assigns it is copied to a temporary folder with ``name = value``
inserted after each of its top-level assignments (the ``_base_`` paths of
the copies point to the originals or to their copies), and the copy of the
config is parsed. Everything computed from the variable, in that file, in
its bases or in the files inheriting it (``{{_base_.name}}``), follows.
Other keys (``model.head.num_classes=5``, ``train_cfg.max_iters=2``) are
merged as mmengine merges them.

An option is refused, with a message naming what to set instead, when it
would change nothing or only part of what it should: a top-level name that
is neither in the config nor a runner setting (a typo), a dotted key into a
variable (``crop_size.0=64``: set the whole variable) or into a ``None``, or
a variable that cannot be re-parsed (defined in another package's config or
in a lazy-import config).
"""
import ast
import copy
import inspect
import os.path as osp
import re
import tempfile
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple, Union

from mmengine.config import Config

__all__ = ['load_config', 'merge_cfg_options', 'require_test_set']

# Where a loaded Config keeps the options it was loaded with (for merge_cfg_options).
_OPTIONS_ATTR = '_mmiic_cfg_options'
# What mmengine substitutes by itself in a config's text (``{{ fileDirname }}``, ...): the copies
# live elsewhere, so these are substituted from the original file's path first.
_PREDEFINED = ('fileDirname', 'fileBasename', 'fileBasenameNoExtension', 'fileExtname')


def _runner_keys() -> Set[str]:
    """Top-level settings mmengine's Runner reads even when the config lacks them."""
    from mmengine.runner import Runner
    return set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}


def _holds_dict(value: Any) -> bool:
    if isinstance(value, dict):
        return True
    if isinstance(value, (list, tuple)):
        return any(_holds_dict(v) for v in value)
    return False


def _plain(value: Any) -> Any:
    """ConfigDicts and tuples/lists of them as builtins (for ``repr``)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def _literal(key: str, value: Any) -> str:
    """``value`` as Python source; ValueError naming ``key`` if it has none."""
    text = repr(_plain(value))
    try:
        same = ast.literal_eval(text) == _plain(value)
    except (ValueError, SyntaxError):
        same = False
    if not same:
        raise ValueError(f'--cfg-options {key}={value!r}: the value of a config variable must be '
                         'a Python literal (number, string, bool, None, tuple, list or dict)')
    return text


class _Bindings(ast.NodeVisitor):
    """Names a top-level statement binds at module level (not inside functions,
    classes, lambdas or comprehensions, which have scopes of their own)."""

    def __init__(self) -> None:
        self.names: Set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.names.add(node.id)

    def _own_scope(self, node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.names.add(node.name)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _own_scope

    def visit_Lambda(self, node: ast.Lambda) -> None:
        pass

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_Lambda


def _bound_names(statement: ast.stmt) -> Set[str]:
    visitor = _Bindings()
    visitor.visit(statement)
    return visitor.names


class _ConfigFile:
    """One ``.py`` config file: its top-level bindings and its ``_base_`` entries."""

    def __init__(self, path: str) -> None:
        self.path = path
        with open(path, encoding='utf-8') as f:
            self.text = f.read()
        tree = ast.parse(self.text, filename=path)
        self.statements = tree.body
        self.bindings: Dict[str, List[ast.stmt]] = {}
        self.base_statement: Optional[ast.stmt] = None
        self.bases: List[str] = []
        self.base_is_list = True
        for statement in tree.body:
            names = _bound_names(statement)
            if '_base_' in names and isinstance(statement, ast.Assign):
                self.base_statement = statement
                value = ast.literal_eval(statement.value)
                self.base_is_list = not isinstance(value, str)
                self.bases = [value] if isinstance(value, str) else list(value)
            for name in names - {'_base_'}:
                self.bindings.setdefault(name, []).append(statement)

    def base_path(self, base: str) -> Optional[str]:
        """The absolute path of a ``_base_`` entry; None for another package's (``pkg::...``)."""
        if '::' in base:
            return None
        return osp.normpath(osp.join(osp.dirname(self.path), osp.expanduser(base)))


class _Rewriter:
    """Copies of the config files that assign the overridden variables."""

    def __init__(self, variables: Dict[str, Any], folder: str) -> None:
        self.variables = variables
        self.folder = folder
        self.copies: Dict[str, str] = {}  # original path -> copy (or itself)
        self.assigned: Set[str] = set()  # the variables some visited file assigns

    def refuse(self, name: str, path: str, why: str) -> None:
        raise ValueError(
            f'--cfg-options {name}=...: {name} is a variable of {path}, {why}, so the values '
            f'computed from it would keep the old one. Set {name} in that file (or a copy of '
            'it), or set the keys computed from it instead (tools/misc/print_config.py shows '
            'them)')

    def copy_of(self, path: str) -> str:
        """The path to parse for ``path``: a rewritten copy, or ``path`` when nothing changes."""
        if path in self.copies:
            return self.copies[path]
        if not path.endswith('.py'):
            self.copies[path] = path  # json/yaml: no expressions, nothing is derived
            return path
        config = _ConfigFile(path)
        assigned = sorted(set(config.bindings) & set(self.variables))
        self.assigned.update(assigned)
        if Config._is_lazy_import(path) and assigned:
            self.refuse(assigned[0], path, 'a lazy-import config mmiic cannot re-parse')
        bases, changed = [], bool(assigned)
        for base in config.bases:
            base_path = config.base_path(base)
            if base_path is None:
                name = self._package_assigns(base, path)
                if name is not None:
                    self.refuse(name, base, "another package's config mmiic cannot rewrite")
                bases.append(base)
                continue
            new = self.copy_of(base_path)
            changed |= new != base_path
            bases.append(new)
        if not changed:
            self.copies[path] = path
            return path
        self.copies[path] = self._write(config, assigned, bases)
        return self.copies[path]

    def _package_assigns(self, base: str, child: str) -> Optional[str]:
        resolved, _ = Config._get_cfg_path(base, child)
        if not resolved.endswith('.py'):
            return None
        names = sorted(set(_ConfigFile(resolved).bindings) & set(self.variables))
        return names[0] if names else None

    def _write(self, config: _ConfigFile, assigned: List[str], bases: List[str]) -> str:
        lines = config.text.splitlines(keepends=True)
        if lines and not lines[-1].endswith('\n'):
            lines[-1] += '\n'
        # Edits bottom-up, so that the line numbers of those above stay valid.
        edits: List[Tuple[int, int, str]] = []  # (first line, last line, replacement), 1-based
        for statement in config.statements:
            names = [n for n in assigned if statement in config.bindings[n]]
            if names:
                end = statement.end_lineno
                text = ''.join(f'{n} = {_literal(n, self.variables[n])}\n' for n in names)
                edits.append((end + 1, end, text))  # insert after the statement
        if config.base_statement is not None:
            value = bases if config.base_is_list else bases[0]
            edits.append((config.base_statement.lineno, config.base_statement.end_lineno,
                          f'_base_ = {value!r}\n'))
        for first, last, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
            lines[first - 1:last] = [text]
        text = ''.join(lines)
        dirname, basename = osp.split(config.path)
        values = dict(fileDirname=dirname, fileBasename=basename,
                      fileBasenameNoExtension=osp.splitext(basename)[0],
                      fileExtname=osp.splitext(basename)[1])
        for key in _PREDEFINED:
            text = re.sub(r'\{\{\s*' + key + r'\s*\}\}', values[key].replace('\\', '/'), text)
        # One folder per copy: copies keep their file names (mmengine names dumps after them).
        folder = tempfile.mkdtemp(dir=self.folder)
        path = osp.join(folder, basename)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
        return path


def _variables(cfg: Config, options: Dict[str, Any]) -> Dict[str, Any]:
    """The options that set a top-level variable of the config: an undotted key whose value
    in the config holds no dict (``num_clusters``, ``crop_size``, ``data_root``, ``None``)."""
    return {k: v for k, v in options.items()
            if '.' not in k and k in cfg and not _holds_dict(cfg[k])}


def _check_merged(cfg: Config, options: Dict[str, Any], filename: Optional[str]) -> None:
    """ValueError for a merged option that would change nothing, or only a copy of a value."""
    runner_keys = None
    for key in options:
        root = key.split('.')[0]
        if root not in cfg:
            runner_keys = runner_keys if runner_keys is not None else _runner_keys()
            if root in runner_keys:
                continue
            close = get_close_matches(root, sorted(set(cfg.keys()) | runner_keys), n=3)
            hint = f'Did you mean {" or ".join(close)}? ' if close else ''
            raise ValueError(
                f'--cfg-options {key}: {filename or "the config"} has no key or variable '
                f'{root!r} and mmengine does not read one, so it would change nothing. '
                f'{hint}Its top-level names: {", ".join(sorted(cfg.keys()))}')
        if root != key and cfg[root] is None:
            raise ValueError(
                f'--cfg-options {key}: {root} is None in {filename or "the config"}; set {root} '
                'as a whole (or what the config computes it from)')
        if root != key and not _holds_dict(cfg[root]):
            raise ValueError(
                f'--cfg-options {key}: {root} is a variable of the config; set it whole (e.g. '
                f'{root}={_plain(cfg[root])!r} with the part changed) so that the values '
                'computed from it follow')


def _reparse(filename: str, variables: Dict[str, Any]) -> Tuple[Config, Set[str]]:
    """(the config parsed with ``variables`` assigned, the names some file assigns)."""
    with tempfile.TemporaryDirectory(prefix='mmiic_cfg_') as folder:
        rewriter = _Rewriter(variables, folder)
        parsed = Config.fromfile(rewriter.copy_of(filename))
        text = parsed.text
        for original, copy_path in rewriter.copies.items():
            text = text.replace(copy_path, original)
    cfg = Config(parsed._cfg_dict, cfg_text=text, filename=filename,
                 env_variables=parsed.env_variables)
    return cfg, rewriter.assigned


def _apply(cfg: Config, filename: str, options: Dict[str, Any]) -> Config:
    variables = _variables(cfg, options)
    if variables:
        cfg, assigned = _reparse(filename, variables)
    else:
        assigned = set()
    # Assigned by no file (e.g. only in a json base): merged like any key.
    merged = {k: v for k, v in options.items() if k not in assigned or k not in variables}
    _check_merged(cfg, {k: v for k, v in merged.items() if k not in variables}, filename)
    if merged:
        cfg.merge_from_dict(merged)
    return cfg


def load_config(filename: Union[str, Path],
                cfg_options: Optional[Dict[str, Any]] = None) -> Config:
    """``Config.fromfile`` + ``--cfg-options`` whose variables reach what is computed from them.

    Args:
        filename (str | Path): the config file.
        cfg_options (dict, optional): ``--cfg-options`` as mmengine's
            ``DictAction`` parses them (dotted keys to values). A key naming
            a top-level variable of the config (a value holding no dict:
            ``num_clusters=5``, ``crop_size=(64,64)``, ``data_root=...``)
            re-parses the config files that assign it with the new value
            (see the module docstring); other keys are merged as mmengine
            merges them, after that.

    Returns:
        Config: named after ``filename`` (a runner dumps it under that name);
        its ``text`` holds the rewritten files where a variable was set.

    Raises:
        ValueError: an option that would not act as asked: a name that is
            no key of the config nor of the runner, a part of a variable
            (``crop_size.0=64``) or of a None value, a variable assigned
            where it cannot be re-parsed, a value that is no Python literal.
    """
    filename = osp.abspath(osp.expanduser(str(filename)))
    cfg = Config.fromfile(filename)
    if cfg_options:
        cfg = _apply(cfg, filename, dict(cfg_options))
    # What it was loaded with, for merge_cfg_options (Config deep copies keep it).
    object.__setattr__(cfg, _OPTIONS_ATTR, dict(cfg_options or {}))
    return cfg


def merge_cfg_options(cfg: Config, cfg_options: Optional[Dict[str, Any]]) -> Config:
    """``cfg_options`` applied to a Config object already parsed (as :func:`load_config`).

    Variables of the config file are re-derived: the file is loaded again
    with the options ``cfg`` was loaded with (by :func:`load_config`, else
    none) and these, provided that gives ``cfg`` back; a ``cfg`` changed
    since it was loaded is refused (a re-parse would lose the changes).

    Returns:
        Config: ``cfg`` itself without options, else a new object (``cfg`` is
        left as it is).
    """
    if not cfg_options:
        return cfg
    variables = _variables(cfg, dict(cfg_options))
    if not variables:
        merged = _apply(copy.deepcopy(cfg), cfg.filename, dict(cfg_options))
        object.__setattr__(merged, _OPTIONS_ATTR, None)  # no longer the file as loaded
        return merged
    loaded_with = cfg.__dict__.get(_OPTIONS_ATTR, {})
    pristine = loaded_with is not None and bool(cfg.filename) and osp.isfile(cfg.filename) and (
        load_config(cfg.filename, loaded_with)._cfg_dict == cfg._cfg_dict)
    if not pristine:
        raise ValueError(f'cfg_options {", ".join(sorted(variables))}: variables of the config '
                         'file that other values are computed from, but this Config object was '
                         'changed after loading; pass the config file name, or load it with '
                         'mmiic.utils.load_config and these options, so that they are re-derived')
    return load_config(cfg.filename, {**loaded_with, **cfg_options})


def require_test_set(cfg: Config, config_path: str, tool: str) -> None:
    """Stop before building a runner when the config cannot be evaluated.

    The folder templates ship without labels: their test set exists only
    once a label source is set (see their headers).

    Raises:
        ValueError: naming what to set.
    """
    missing = [k for k in ('test_dataloader', 'test_cfg', 'test_evaluator')
               if cfg.get(k) is None]
    if not missing:
        return
    what = f'{tool}: {config_path} has no test set ({", ".join(missing)} = None)'
    if cfg.get('label_dir') is not None:
        raise ValueError(
            f'{what} although label_dir = {cfg.label_dir!r}: the template builds its test set '
            'from label_dir when it is parsed, so a config inheriting it or dumped from it '
            '(work_dirs/...) cannot switch it on. Set label_dir (and classes) with '
            '--cfg-options on the template, or in a copy of it')
    raise ValueError(
        f'{what}: evaluation needs labels. For a config made from iic_minivgg_folder_seg.py '
        'set label_dir (a folder of label maps named as the images) and classes, e.g. '
        '--cfg-options label_dir=labels "classes=(sky,ground)"; otherwise add '
        'test_dataloader, test_cfg and test_evaluator (README, "Train on your own images")')
