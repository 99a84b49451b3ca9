"""configs/_base_/datasets: Potsdam-6 is Potsdam-3 with six classes (it inherits it)."""
import os.path as osp

from mmengine.config import Config

from mmiic.utils import load_config

BASES = osp.join(osp.dirname(__file__), '..', '..', 'configs', '_base_', 'datasets')


def _with_classes(value, num_classes):
    """``value`` with every ``num_classes`` entry set to ``num_classes``."""
    if isinstance(value, dict):
        return {k: num_classes if k == 'num_classes' else _with_classes(v, num_classes)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_with_classes(v, num_classes) for v in value)
    return value


def _classes(value):
    """Every ``num_classes`` entry of ``value``."""
    if isinstance(value, dict):
        return [v for k, v in value.items() if k == 'num_classes'] + [
            n for v in value.values() for n in _classes(v)]
    if isinstance(value, (list, tuple)):
        return [n for v in value for n in _classes(v)]
    return []


def test_potsdam6_is_potsdam3_with_six_classes_everywhere():
    three = Config.fromfile(osp.join(BASES, 'potsdam3_iic.py')).to_dict()
    six = Config.fromfile(osp.join(BASES, 'potsdam6_iic.py')).to_dict()
    # the variable, the three splits, the two training sets, the test set (val and test loaders)
    # and both evaluators
    assert _classes(six) == [6] * 10 and _classes(three) == [3] * 10
    assert _with_classes(six, 3) == three


def test_a_class_count_given_as_an_option_reaches_every_split():
    cfg = load_config(osp.join(BASES, 'potsdam6_iic.py'), {'num_classes': 4})
    assert set(_classes(cfg.to_dict())) == {4}
