"""Names of clusters, only through an explicit cluster -> class mapping.

A clustering model predicts ids, not class names; ``tools/test.py`` writes
the mapping its evaluation found (``cluster_mapping.json``), and
``tools/infer.py --mapping`` reads it back to name the clusters.
"""
import json
from typing import Dict, List, Optional, Sequence


def load_cluster_names(path: str, num_clusters: Optional[int] = None) -> List[str]:
    """Names of the clusters from a cluster -> class mapping (JSON).

    The file (written by ``tools/test.py`` next to its metrics) is
    ``{"classes": [...], "mapping": {"0": 2, "1": 0, ...}}``: cluster id ->
    class index, -1 for a cluster matched to no class. Clusters the mapping
    does not name are called ``cluster <id>``.

    Returns:
        list[str]: one name per cluster id.
    """
    try:
        with open(path) as f:
            data = json.load(f)
    except FileNotFoundError:
        raise FileNotFoundError(f'cluster mapping {path} not found')
    except json.JSONDecodeError as e:
        raise ValueError(f'{path}: not a JSON file ({e})') from e
    if not isinstance(data, dict) or 'mapping' not in data or 'classes' not in data:
        raise ValueError(f'{path}: expected {{"classes": [...], "mapping": {{cluster: class}}}}')
    classes: Sequence[str] = data['classes']
    mapping: Dict[int, int] = {int(k): int(v) for k, v in data['mapping'].items()}
    size = max([num_clusters or 0] + [c + 1 for c in mapping])
    names = [f'cluster {c}' for c in range(size)]
    for cluster, cls in mapping.items():
        if cls >= len(classes):
            raise ValueError(f'{path}: cluster {cluster} maps to class {cls}, but only '
                             f'{len(classes)} classes are named')
        if cls >= 0:
            names[cluster] = str(classes[cls])
    return names


def save_cluster_mapping(path: str, mapping: Sequence[int], classes: Sequence[str],
                         head: str = 'main', subhead: Optional[int] = None) -> None:
    """Write the cluster -> class mapping JSON read by :func:`load_cluster_names`."""
    data = dict(classes=[str(c) for c in classes],
                mapping={str(i): int(c) for i, c in enumerate(mapping)}, head=head)
    if subhead is not None:
        data['subhead'] = int(subhead)
    with open(path, 'w') as f:
        json.dump(data, f, indent=2)
