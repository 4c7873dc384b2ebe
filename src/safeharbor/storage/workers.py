"""Worker process pools that die with the process that started them.

A pool's workers block on a pipe their parent holds open; when the parent is killed (SIGKILL, OOM
killer, a closed terminal) nothing tells them, and they would wait for ever. Each worker therefore
asks the kernel for SIGKILL when its parent dies (Linux `PR_SET_PDEATHSIG`) and, everywhere, watches
its parent id from a small thread and exits when it changes.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

WATCH_SECONDS = 0.5
PR_SET_PDEATHSIG = 1


def _ask_kernel_to_kill_on_parent_death() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: the watcher thread still covers it
        pass


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)  # the parent is gone: nobody will read our results
        time.sleep(WATCH_SECONDS)


def _init_worker(parent: int) -> None:
    _ask_kernel_to_kill_on_parent_death()
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="watch-parent").start()


@contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers die with this process; on any error, queued work is cancelled."""
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(os.getpid(),))
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
