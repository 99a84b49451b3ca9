"""Process groups for tests: a free port, and a function run on several ranks."""
import datetime
import os
import socket
import time
from typing import Callable

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def free_port() -> int:
    """A TCP port nobody listens on now (for a test's process group)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _rank_main(rank, fn, world_size, port, init_group, args):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port), RANK=str(rank),
                      LOCAL_RANK=str(rank), WORLD_SIZE=str(world_size))
    torch.set_num_threads(1)
    if init_group:
        dist.init_process_group('gloo', rank=rank, world_size=world_size,
                                timeout=datetime.timedelta(seconds=60))
    try:
        fn(rank, world_size, *args)
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def run_on_ranks(fn: Callable, *args, world_size: int = 2, init_group: bool = True,
                 timeout: float = 240) -> None:
    """Run ``fn(rank, world_size, *args)`` in ``world_size`` spawned processes.

    The processes get torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK,
    MASTER_ADDR, a free MASTER_PORT) and, with ``init_group``, a gloo process
    group (60 s collective timeout, so a deadlock fails instead of hanging).
    An exception in any process fails the caller with its traceback; the
    processes are killed after ``timeout`` seconds.
    """
    context = mp.start_processes(_rank_main, args=(fn, world_size, free_port(), init_group, args),
                                 nprocs=world_size, join=False, start_method='spawn')
    deadline = time.monotonic() + timeout
    try:
        while not context.join(timeout=max(deadline - time.monotonic(), 0.1)):
            if time.monotonic() >= deadline:
                raise TimeoutError(f'{fn.__name__} did not finish within {timeout} s')
    finally:
        for process in context.processes:
            if process.is_alive():
                process.kill()
