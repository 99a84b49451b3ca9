"""tools/analysis_tools/estimate_object_size.py on real PNG/TIFF files, and the folder
segmentation template taking its answer through OBJECT_SIZE."""
import importlib.util
import json
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import tifffile
from mmengine.config import Config

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'estimate_object_size.py')
SEG_CONFIG = osp.join(ROOT, 'configs', 'iic', 'iic_minivgg_folder_seg.py')


def run_tool(argv, monkeypatch):
    spec = importlib.util.spec_from_file_location('estimate_object_size', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys, 'argv', ['estimate_object_size.py'] + argv)
    module.main()


def write_blobs(folder, radius, count=3):
    rng = np.random.default_rng(radius)
    for i in range(count):
        img = np.zeros((240, 320), np.uint8)
        for _ in range(50):
            cv2.circle(img, (int(rng.uniform(0, 320)), int(rng.uniform(0, 240))), radius, 200, -1)
        if i == 0:  # a 16-bit TIFF among the PNGs, read in its native depth
            tifffile.imwrite(osp.join(folder, f'{i}.tif'), img.astype(np.uint16) * 250)
        else:
            cv2.imwrite(osp.join(folder, f'{i}.png'), img)


@pytest.mark.parametrize('radius', [4, 10])
def test_tool_reports_the_blob_size(tmp_path, monkeypatch, capsys, radius):
    write_blobs(str(tmp_path), radius)
    out = tmp_path / 'size.json'
    run_tool([str(tmp_path), '--out', str(out)], monkeypatch)
    result = json.loads(out.read_text())
    assert result['object_size'] == pytest.approx(2 * radius + 1, rel=0.25)
    assert result['images'] == 3
    assert f'OBJECT_SIZE={round(result["object_size"])}' in capsys.readouterr().out


def test_tool_shrinks_large_images_and_scales_back(tmp_path, monkeypatch):
    write_blobs(str(tmp_path), 10)
    out = tmp_path / 'size.json'
    run_tool([str(tmp_path), '--max-side', '160', '--out', str(out)], monkeypatch)
    assert json.loads(out.read_text())['object_size'] == pytest.approx(21, rel=0.3)


def test_empty_folder_is_named(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match='holds no images'):
        run_tool([str(tmp_path)], monkeypatch)


@pytest.mark.parametrize('size,scale,d', [(None, 1.0, 6), (12, 2.0, 6), (96, 0.25, 6), (4, 2.0, 2)])
def test_folder_template_takes_the_object_size(monkeypatch, size, scale, d):
    if size is None:
        monkeypatch.delenv('OBJECT_SIZE', raising=False)
    else:
        monkeypatch.setenv('OBJECT_SIZE', str(size))
    cfg = Config.fromfile(SEG_CONFIG)
    assert cfg.scale_factor == pytest.approx(scale)
    assert cfg.model.decode_head.loss_decode.displacement == d
    assert cfg.model.decode_head.overcluster_loss.displacement == d
    for pipeline in (cfg.train_pipeline, cfg.test_pipeline, cfg.eval_pipeline):
        (resize, ) = [t for t in pipeline if t['type'] == 'Resize']
        assert resize['scale_factor'] == pytest.approx(scale)
