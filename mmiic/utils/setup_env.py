"""Register every mmiic module, as mmseg/mmpretrain's ``register_all_modules``."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import all mmiic modules so that they are in mmiic's registries, and
    install the safe checkpoint loaders
    (:func:`mmiic.utils.register_checkpoint_loader`).

    Args:
        init_default_scope (bool): set the default scope to ``mmiic``, so that
            unprefixed mmiic names build (as in mmseg's function of the same
            name). Configs keep ``default_scope='mmseg'`` or ``'mmpretrain'``
            and use ``mmiic.``-prefixed types instead. Defaults to True.
    """
    import mmiic.datasets  # noqa: F401,F811
    import mmiic.engine  # noqa: F401,F811
    import mmiic.evaluation  # noqa: F401,F811
    import mmiic.models  # noqa: F401,F811
    import mmiic.visualization  # noqa: F401,F811
    from .checkpoint_compat import register_checkpoint_loader
    register_checkpoint_loader()

    if not init_default_scope:
        return
    never_created = (DefaultScope.get_current_instance() is None
                     or not DefaultScope.check_instance_created('mmiic'))
    if never_created:
        DefaultScope.get_instance('mmiic', scope_name='mmiic')
        return
    current_scope = DefaultScope.get_current_instance()
    if current_scope.scope_name != 'mmiic':
        warnings.warn('The current default scope '
                      f'"{current_scope.scope_name}" is not "mmiic", '
                      '`register_all_modules` will force the current'
                      'default scope to be "mmiic". If this is not '
                      'expected, please set `init_default_scope=False`.')
        new_instance_name = f'mmiic-{datetime.datetime.now()}'
        DefaultScope.get_instance(new_instance_name, scope_name='mmiic')
