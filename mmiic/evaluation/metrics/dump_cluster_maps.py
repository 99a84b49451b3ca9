"""Write the predicted cluster map of each test image (``tools/test.py --out DIR``)."""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
from mmengine.evaluator import BaseMetric

from mmiic.registry import METRICS


@METRICS.register_module()
class DumpClusterMaps(BaseMetric):
    """Write each image's cluster ids as a PNG, as mmseg's
    ``IoUMetric(output_dir=...)`` writes its class ids for ``--out DIR``.

    ``output_dir/<name>.png`` holds the cluster ids the model predicts (its
    test head and sub-head) at the image's original size: uint8, or uint16
    beyond 256 clusters. Clusters are not classes; ``tools/test.py`` writes
    the cluster -> class mapping of its metric next to the metrics. ``<name>``
    is the image path relative to ``img_root`` (its base name for an image
    elsewhere) without the suffix, plus ``_x<x>_y<y>`` for a tile of a larger
    image. Two images that would get the same name are an error, not an
    overwrite. Computes no metric.

    Args:
        output_dir (str): folder the PNGs are written to.
        img_root (str, optional): folder the names are taken relative to
            (``tools/test.py`` passes the common folder of the test images).
        collect_device (str): 'cpu' or 'gpu'.
        prefix (str, optional): unused (no metric), kept for the interface.
    """

    def __init__(self,
                 output_dir: str,
                 img_root: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.output_dir = output_dir
        self.img_root = osp.abspath(img_root) if img_root else None
        self._sources: Dict[str, str] = {}

    def _name(self, sample: dict) -> str:
        img_path = sample.get('img_path')
        if not img_path:
            raise ValueError('DumpClusterMaps names its files after the images, but a test '
                             'sample has no img_path')
        path = osp.abspath(img_path)
        if self.img_root is not None and path.startswith(self.img_root + os.sep):
            name = osp.splitext(osp.relpath(path, self.img_root))[0]
        else:
            name = osp.splitext(osp.basename(img_path))[0]
        box = sample.get('tile_box')
        if box is not None:
            name += f'_x{int(box[0])}_y{int(box[1])}'
        return name

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            name = self._name(sample)
            box = sample.get('tile_box')
            source = sample['img_path'] + (f' (tile {tuple(box)})' if box is not None else '')
            earlier = self._sources.setdefault(name, source)
            if earlier != source:
                raise ValueError(f'{earlier} and {source} would both be written to '
                                 f'{osp.join(self.output_dir, name)}.png')
            clusters = sample['pred_sem_seg']['data'].squeeze(0).cpu().numpy()
            logits = sample.get('seg_logits')
            num_clusters = (logits['data'].shape[0] if logits is not None
                            else int(clusters.max()) + 1)
            path = osp.join(self.output_dir, name + '.png')
            os.makedirs(osp.dirname(path), exist_ok=True)
            if not cv2.imwrite(path, clusters.astype(np.uint8 if num_clusters <= 256
                                                     else np.uint16)):
                raise OSError(f'could not write {path}')
            # One record per image: the names of all ranks are checked once collected.
            self.results.append((name, source))

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        sources: Dict[str, str] = {}
        for name, source in results:
            earlier = sources.setdefault(name, source)
            if earlier != source:
                raise ValueError(f'{earlier} and {source} were both written to '
                                 f'{osp.join(self.output_dir, name)}.png (by different '
                                 'processes); give the images distinct names')
        return {}

    def evaluate(self, size: int) -> dict:
        self._sources.clear()  # a new run may write the same names again
        return super().evaluate(size)
