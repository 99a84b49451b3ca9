"""tools/misc/publish_model.py: a shareable checkpoint that predicts as the training one."""
import hashlib
import os.path as osp
import re

import numpy as np
import pytest
import torch

from mmiic.testing import MNIST_CONFIG, load_tool, parse_cfg_options

publish = load_tool('tools/misc/publish_model.py')
train_tool = load_tool('tools/train.py')


@pytest.mark.slow
def test_publish_drops_training_state_and_keeps_what_inference_needs(tiny_mnist, tmp_path):
    data_root, options, _ = tiny_mnist
    work = tmp_path / 'work'
    train_tool.main([MNIST_CONFIG, '--work-dir', str(work), '--cfg-options', *options,
                     'train_cfg.max_epochs=1', f'experiment_name=publish_{tmp_path.name}'])
    trained = str(work / 'epoch_1.pth')
    original = torch.load(trained, map_location='cpu', weights_only=False)
    assert {'optimizer', 'message_hub'} <= set(original)

    final = publish.main([trained, str(tmp_path / 'zoo' / 'iic_mnist.pth')])
    assert re.fullmatch(r'iic_mnist-[0-9a-f]{8}\.pth', osp.basename(final))
    with open(final, 'rb') as f:
        assert hashlib.sha256(f.read()).hexdigest()[:8] == osp.basename(final)[-12:-4]
    # Plain tensors and Python values: torch's weights_only loader needs no allowed globals.
    published = torch.load(final, map_location='cpu', weights_only=True)
    assert not {'optimizer', 'param_schedulers', 'message_hub'} & set(published)
    assert published['meta'] == original['meta']  # dataset_meta, chosen sub-head, config
    assert published['state_dict'].keys() == original['state_dict'].keys()
    for key, value in original['state_dict'].items():
        assert torch.equal(published['state_dict'][key], value), key

    from mmengine.config import Config

    from mmiic.apis import inference_model, init_model
    cfg = Config.fromfile(MNIST_CONFIG)
    cfg.merge_from_dict(parse_cfg_options(options))
    images = [np.random.default_rng(i).integers(0, 255, (28, 28), np.uint8) for i in range(3)]
    before = inference_model(init_model(cfg.copy(), trained, device='cpu'), images)
    after = inference_model(init_model(cfg.copy(), final, device='cpu'), images)
    for a, b in zip(before, after):
        assert torch.equal(a.pred_score, b.pred_score)


def test_publish_refuses_a_file_without_weights(tmp_path):
    path = str(tmp_path / 'not_a_checkpoint.pth')
    torch.save({'something': torch.zeros(1)}, path)
    with pytest.raises(ValueError, match='not_a_checkpoint.pth is not an mmengine checkpoint'):
        publish.main([path, str(tmp_path / 'out.pth')])
