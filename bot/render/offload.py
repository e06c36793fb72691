"""Building files in worker processes (issue 14): charts, Word, Excel and PDF.

matplotlib's renderer, openpyxl and reportlab run for hundreds of milliseconds to seconds,
much of it in C code that holds the GIL; in a worker thread that still stalls the event
loop (and so every other person's update) for 50-130 ms at a time. In a process of its own
nothing waits. Pillow work (photos, the menu table) stays in threads: Pillow lets the GIL go.

One small pool per bot process, made on first use with the "spawn" start method (no fork
of a process that runs threads); idle workers end with the process, and within a second
when it is killed. If a worker dies (out of memory, killed), the pool is
made again for the next file and this one is built in a thread, so the person still gets it.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import ParamSpec, TypeVar

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

WORKERS = 2  # two exports at once; a third waits its turn
PARENT_CHECK_SECONDS = 1.0

_pool: ProcessPoolExecutor | None = None
_preload: tuple[str, ...] = ()  # modules each new worker imports as it starts
_pool_lock = threading.Lock()


def _watch_parent(parent: int) -> None:
    """An idle worker would outlive a bot killed with SIGKILL (it waits on its queue for
    ever): it leaves as soon as it is handed to another parent."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _start_worker(modules: tuple[str, ...]) -> None:
    """In each worker: follow the parent, and import the heavy libraries (and the modules
    named at ``warm``) before the first real job needs them."""
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    import docx  # noqa: F401
    import matplotlib  # noqa: F401
    import openpyxl  # noqa: F401

    for name in modules:
        importlib.import_module(name)


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=WORKERS,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(_preload,),
            )
        return _pool


def _forget(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


def _ready() -> None:
    """A no-op job: starting the workers ahead of the first real file."""


def warm(*modules: str) -> None:
    """Start the workers now (at the bot's start) so the first chart is not a second late.
    Each worker imports ``modules`` as it starts: the ones whose functions it will run
    (an export reads the database there), which would cost the first such job ~0.5 s."""
    global _preload
    _preload = modules
    _executor().submit(_ready)


async def build(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """``fn(*args, **kwargs)`` in a worker process; ``fn`` and its arguments must pickle
    (module-level functions, plain data)."""
    pool = _executor()
    call = functools.partial(fn, *args, **kwargs)
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, call)
    except BrokenProcessPool:
        log.warning("a file-building worker died; building %s in a thread", fn.__name__)
        _forget(pool)
        return await asyncio.to_thread(call)
