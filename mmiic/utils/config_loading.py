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
its bases or in the files inheriting it (``{{_base_.name}}``), follows. A
key into a variable that holds a dict or list of dicts
(``resize.scale_factor=0.5``, ``held_out.num_images=100``) is inserted the
same way, as an item assignment (``resize['scale_factor'] = 0.5``), so the
values built from that dict follow too. Keys into runner settings
(``model.head.num_classes=5``, ``train_cfg.max_iters=2``) are merged as
mmengine merges them.

An option is refused, with a message naming what to set instead, when it
would change nothing or only part of what it should: a top-level name that
is neither in the config nor a runner setting (a typo), a dotted key into a
variable that holds no dict (``crop_size.0=64``: set the whole variable) or
into a ``None``, a variable that cannot be re-parsed (defined in another
package's config or in a lazy-import config), and a variable whose new value
changes nothing else in the config while no runner or tool reads it by name
(``num_clusters=5`` on a config dumped into a work dir, whose values are
literals; ``classes`` on the segmentation template without ``label_dir``):
the config is compared as parsed with and without the option.

Not detected: a config that *inherits* a template and assigns one of its
variables (mmengine computes the template's values before the child's
assignment, so they keep the template's value); the template headers say
to use ``--cfg-options`` or a copy instead.
"""
import ast
import copy
import inspect
import os.path as osp
import re
import tempfile
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set, Tuple, Union

import numpy as np

from mmengine.config import Config

__all__ = ['load_config', 'load_test_config', 'merge_cfg_options', 'require_test_set']

# Where a loaded Config keeps the options it was loaded with (for merge_cfg_options).
_OPTIONS_ATTR = '_mmiic_cfg_options'
# What mmengine substitutes by itself in a config's text (``{{ fileDirname }}``, ...): the copies
# live elsewhere, so these are substituted from the original file's path first.
_PREDEFINED = ('fileDirname', 'fileBasename', 'fileBasenameNoExtension', 'fileExtname')
# Top-level names that are no runner settings but that tools read by name: an option on
# them acts even when no other value of the config is computed from them.
_READ_BY_NAME = ('test_pipeline', 'tta_model', 'tta_pipeline', 'sweep_presets')


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


def plain_value(value: Any, keep_tuples: bool = True,
                leaf: Optional[Callable[[Any], Any]] = None) -> Any:
    """A config value as builtin Python: ConfigDicts as dicts, lists and tuples
    item by item, numpy arrays and scalars as lists and numbers.

    Args:
        value: a config value (or a checkpoint's meta).
        keep_tuples (bool): keep tuples (for ``repr``, as Python source);
            False makes them lists, so that a value compares equal whether it
            came from a config or from a checkpoint's meta.
        leaf (callable, optional): applied to every other value (None: kept).
    """
    if isinstance(value, dict):
        return {k: plain_value(v, keep_tuples, leaf) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [plain_value(v, keep_tuples, leaf) for v in value]
        return tuple(items) if keep_tuples and isinstance(value, tuple) else items
    if isinstance(value, (np.ndarray, np.generic)):
        return plain_value(value.tolist(), keep_tuples, leaf)
    return leaf(value) if leaf is not None else value


def type_name(config: dict) -> str:
    """The class name a config's ``type`` gives, without its scope:
    ``'LoadIICImage'`` for ``type='mmiic.LoadIICImage'`` or the class itself."""
    kind = config.get('type', '?')
    return (kind if isinstance(kind, str) else kind.__name__).split('.')[-1]


def _literal(key: str, value: Any) -> str:
    """``value`` as Python source; ValueError naming ``key`` if it has none."""
    text = repr(plain_value(value))
    try:
        same = ast.literal_eval(text) == plain_value(value)
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
    """Copies of the config files that assign the overridden variables.

    Args:
        insertions (dict): variable -> the Python source inserted after each
            top-level statement that assigns it.
        folder (str): where the copies are written.
    """

    def __init__(self, insertions: Dict[str, str], folder: str) -> None:
        self.variables = insertions
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
                text = ''.join(self.variables[n] for n in names)
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


def _root(key: str) -> str:
    return key.split('.')[0]


def _reparsed(cfg: Config, options: Dict[str, Any]) -> Dict[str, Any]:
    """The options that set (a part of) a top-level variable of the config, applied by a
    re-parse: any key under a name that is no runner setting (``num_clusters``,
    ``crop_size``, ``resize.scale_factor``, ``held_out.num_images``), and a runner setting
    set whole to a value holding no dict (``load_from``, ``val_dataloader=None``). Keys
    into runner settings (``model.head.num_classes``) are merged as mmengine merges them."""
    runner_keys = _runner_keys()
    return {k: v for k, v in options.items() if _root(k) in cfg and (
        _root(k) not in runner_keys or ('.' not in k and not _holds_dict(cfg[k])))}


_MISSING = object()


def _walk(cfg: Config, key: str, filename: Optional[str]) -> List[str]:
    """The item accesses (``['a']``, ``.setdefault('b', {})``, ``[1]``) that set the
    dotted ``key`` inside its top-level value; ValueError where it cannot be set."""
    parts = key.split('.')
    node, accesses = cfg[parts[0]], []
    for depth, part in enumerate(parts[1:], start=1):
        where = '.'.join(parts[:depth])
        last = depth == len(parts) - 1
        if node is None:
            raise ValueError(
                f'--cfg-options {key}: {where} is None in {filename or "the config"}; set '
                f'{where} as a whole (or what the config computes it from)')
        if isinstance(node, (list, tuple)):
            if last and isinstance(node, tuple):
                raise ValueError(f'--cfg-options {key}: {where} is a tuple; set it whole')
            if not part.isdigit() or int(part) >= len(node):
                raise ValueError(f'--cfg-options {key}: {where} is a list of {len(node)} '
                                 f'items; {part!r} is no index of it')
            accesses.append(f'[{int(part)}]')
            node = node[int(part)]
        elif isinstance(node, dict):
            accesses.append(f'[{part!r}]' if last else f'.setdefault({part!r}, {{}})')
            node = node.get(part, _MISSING)
            node = {} if node is _MISSING else node
        else:
            raise ValueError(f'--cfg-options {key}: {where} is {node!r}, not a dict or list; '
                             f'set {where} whole')
    return accesses


def _assignment(cfg: Config, key: str, value: Any, filename: Optional[str]) -> str:
    """Python source that sets ``key`` to ``value`` after an assignment of its variable."""
    text = _literal(key, value)
    if '.' not in key:
        return f'{key} = {text}\n'
    root = _root(key)
    target = root + ''.join(_walk(cfg, key, filename))
    # A child reading a base's value as {{_base_.name}} holds a placeholder string while
    # it is parsed; the base's copy sets the item there.
    return f'if isinstance({root}, (dict, list, tuple)):\n    {target} = {text}\n'


def _check_options(cfg: Config, options: Dict[str, Any], filename: Optional[str]) -> None:
    """ValueError for an option that would change nothing, or only a copy of a value."""
    runner_keys = None
    for key in options:
        root = _root(key)
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
                f'{root}={plain_value(cfg[root])!r} with the part changed) so that the values '
                'computed from it follow')


def _value_at(cfg: Config, key: str) -> Any:
    node = cfg._cfg_dict
    for part in key.split('.'):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _keys_holding(cfg: Config, key: str, value: Any, limit: int = 6) -> List[str]:
    """Dotted keys of ``cfg`` outside the variable of ``key`` whose value equals ``value``
    (for a dotted ``key``, only keys of the same last name)."""
    found: List[str] = []
    skip, last = _root(key), key.split('.')[-1] if '.' in key else None

    def visit(node: Any, path: str) -> None:
        if len(found) >= limit or path == skip:
            return
        if path and node == value and not isinstance(node, bool) and (
                last is None or path.split('.')[-1] == last):
            found.append(path)
            return
        items = (node.items() if isinstance(node, dict) else
                 enumerate(node) if isinstance(node, (list, tuple)) else ())
        for name, child in items:
            visit(child, f'{path}.{name}' if path else str(name))

    visit(cfg._cfg_dict, '')
    return found


def _refuse_isolated(before: Config, after: Config, reparsed: Dict[str, Any],
                     filename: str) -> None:
    """ValueError for a re-parsed option on a variable that nothing else follows.

    Each option's effect is that of the config parsed with all the options
    (``after``) against the config parsed without this one (``before`` when it
    is the only one): when only its own variable differs, no value of the
    config is computed from it (a config dumped into a work dir holds the
    values computed from it as literals; a template may use it only under a
    condition), and nothing reads it by name but mmengine's and mmiic's
    runner settings, so the option would change nothing that is used.
    """
    runner_keys = _runner_keys() | set(_READ_BY_NAME)
    for key, value in reparsed.items():
        root = _root(key)
        if root in runner_keys:
            continue
        if len(reparsed) == 1:
            without = before
        else:
            without, _ = _reparse(filename, before, {k: v for k, v in reparsed.items()
                                                     if k != key})
        if _value_at(without, key) == _value_at(after, key):
            continue  # the value it had: nothing to tell
        changed = {name for name in set(after.keys()) | set(without.keys())
                   if after.get(name) != without.get(name)}
        if changed != {root}:
            continue
        old = _value_at(without, key)
        holding = _keys_holding(without, key, old) if old is not None else []
        instead = (f'; keys holding its value {plain_value(old)!r}, perhaps computed from it: '
                   f'{", ".join(holding)}' if holding else '')
        raise ValueError(
            f'--cfg-options {key}={value!r} would change nothing that is used: neither '
            f'mmengine nor mmiic reads {root}, and no other value of {filename} changes with '
            'it (a config dumped into a work dir holds the values once computed from it as '
            'literals; a template may use a variable only under a condition, e.g. classes '
            'only with label_dir). Set it on the template the config was made from (with '
            f'what it depends on), or set the keys that use it instead{instead}')


def _reparse(filename: str, cfg: Config,
             options: Dict[str, Any]) -> Tuple[Config, Set[str]]:
    """(the config parsed with ``options`` set where their variables are assigned, the
    variables some file assigns); ``cfg`` is the config parsed without them."""
    insertions: Dict[str, str] = {}
    # Whole values first, then the items set in them, in the order given.
    for key in sorted(options, key=lambda k: '.' in k):
        root = _root(key)
        insertions[root] = insertions.get(root, '') + _assignment(cfg, key, options[key],
                                                                   filename)
    with tempfile.TemporaryDirectory(prefix='mmiic_cfg_') as folder:
        rewriter = _Rewriter(insertions, folder)
        parsed = Config.fromfile(rewriter.copy_of(filename))
        text = parsed.text
        for original, copy_path in rewriter.copies.items():
            text = text.replace(copy_path, original)
    new = Config(parsed._cfg_dict, cfg_text=text, filename=filename,
                 env_variables=parsed.env_variables)
    return new, rewriter.assigned


def _apply(cfg: Config, filename: str, options: Dict[str, Any]) -> Config:
    reparsed = _reparsed(cfg, options)
    _check_options(cfg, reparsed, filename)
    if reparsed:
        new, assigned = _reparse(filename, cfg, reparsed)
        _refuse_isolated(cfg, new, {k: v for k, v in reparsed.items()
                                    if _root(k) in assigned}, filename)
        cfg = new
    else:
        assigned = set()
    # Assigned by no file (e.g. only in a json base): merged like any key.
    merged = {k: v for k, v in options.items() if k not in reparsed or _root(k) not in assigned}
    _check_options(cfg, {k: v for k, v in merged.items() if k not in reparsed}, filename)
    if merged:
        cfg.merge_from_dict(merged)
    return cfg


def load_config(filename: Union[str, Path],
                cfg_options: Optional[Dict[str, Any]] = None) -> Config:
    """``Config.fromfile`` + ``--cfg-options`` whose variables reach what is computed from them.

    Args:
        filename (str | Path): the config file.
        cfg_options (dict, optional): ``--cfg-options`` as mmengine's
            ``DictAction`` parses them (dotted keys to values). A key on a
            top-level variable of the config, a name that is no runner
            setting (``num_clusters=5``, ``crop_size=(64,64)``,
            ``resize.scale_factor=0.5``) or a runner setting set whole to a
            value holding no dict (``load_from=...``), re-parses the config
            files that assign it with the new value (see the module
            docstring); other keys are merged as mmengine merges them, after
            that.

    Returns:
        Config: named after ``filename`` (a runner dumps it under that name);
        its ``text`` holds the rewritten files where a variable was set.

    Raises:
        ValueError: an option that would not act as asked: a name that is
            no key of the config nor of the runner, a part of a variable
            (``crop_size.0=64``) or of a None value, a variable assigned
            where it cannot be re-parsed, a variable nothing else follows,
            a value that is no Python literal.
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
    variables = _reparsed(cfg, dict(cfg_options))
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


def load_test_config(config: Union[str, Path], checkpoint: str,
                     cfg_options: Optional[Dict[str, Any]], tool: str,
                     work_dir: Optional[str] = None) -> Config:
    """The config of a tool that tests ``checkpoint`` (``tools/test.py``,
    ``confusion_matrix.py``), ready for a Runner.

    Loaded with ``cfg_options`` (:func:`load_config`), checked to have a test
    set (:func:`require_test_set`), with its work dir (``work_dir``, else the
    config's, else ``work_dirs/<config name>``), ``load_from = checkpoint``
    and :class:`~mmiic.engine.hooks.CheckpointCheckHook` (also added to
    configs written before it existed, which would load a checkpoint
    unchecked).
    """
    from mmiic.engine.hooks import ensure_checkpoint_check  # the hooks import this module
    cfg = load_config(config, cfg_options)
    require_test_set(cfg, str(config), tool)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(str(config)))[0])
    cfg.load_from = checkpoint
    ensure_checkpoint_check(cfg)
    return cfg
