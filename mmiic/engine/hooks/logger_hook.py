"""mmengine's LoggerHook with the test metrics file written by one process."""
import os.path as osp
from typing import Dict, Optional

from mmengine.dist import is_main_process
from mmengine.fileio import dump
from mmengine.hooks import LoggerHook

from mmiic.registry import HOOKS


@HOOKS.register_module()
class IICLoggerHook(LoggerHook):
    """``LoggerHook`` whose ``<timestamp>.json`` of test metrics only the main
    process writes.

    mmengine 0.10.7 dumps that file from every rank into the same path. Two
    ranks truncating and writing it at once can leave the tail of the longer
    record after the shorter one (their timing fields differ), and the file
    is then not valid JSON (seen with ``tools/dist_test.sh`` on 2 ranks).
    """

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        tag, log_str = runner.log_processor.get_log_after_epoch(
            runner, len(runner.test_dataloader), 'test', with_non_scalar=True)
        runner.logger.info(log_str)
        if is_main_process():
            dump(self._process_tags(tag), osp.join(runner.log_dir, self.json_log_path))
