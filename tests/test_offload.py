"""Files are built in a worker process, so the event loop never waits for matplotlib,
openpyxl or reportlab; a worker that dies still leaves the person with their file."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import time

import openpyxl
import pytest

from bot.exports.xlsx import Sheet, write_xlsx
from bot.render import offload


def _pid() -> int:
    return os.getpid()


def _die_once(marker: str) -> int:
    """Kills its worker the first time (like the OOM killer would), then answers."""
    if not os.path.exists(marker):
        with open(marker, "w"):
            pass
        os.kill(os.getpid(), signal.SIGKILL)
    return os.getpid()


def _busy(seconds: float) -> float:
    """Pure Python holding the GIL: a stand-in for a chart being drawn."""
    end = time.perf_counter() + seconds
    n = 0.0
    while time.perf_counter() < end:
        n += 1
    return n


async def test_a_file_is_built_in_another_process_and_read_back() -> None:
    assert await offload.build(_pid) != os.getpid()
    sheet = Sheet("采购", ["品名", "金额"], [["猪肉", 270]])
    data = await offload.build(write_xlsx, [sheet])
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert [c.value for c in book.active[2]][:2] == ["猪肉", 270]


async def test_building_a_file_does_not_hold_up_the_event_loop() -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    await offload.build(_pid)  # the worker is up
    ticks = 0
    await offload.build(_busy, 0.5)
    ticker.cancel()
    # Half a second of busy work elsewhere: the loop kept ticking (about 50 times).
    assert ticks >= 20


@pytest.mark.expect_errors  # concurrent.futures logs the dead worker
async def test_a_worker_that_dies_still_gives_the_file(tmp_path: object) -> None:
    marker = os.path.join(str(tmp_path), "died")
    pid = await offload.build(_die_once, marker)
    assert pid == os.getpid()  # built in a thread after the worker died
    assert await offload.build(_pid) != os.getpid()  # and the next one in a new worker


_CHILD = """
import asyncio, os, sys, time
from bot.render import offload
from tests.test_offload import _pid
print(asyncio.run(offload.build(_pid)), flush=True)
time.sleep(60)
"""


def test_workers_leave_when_the_bot_is_killed() -> None:
    import subprocess
    import sys

    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
    )
    try:
        assert child.stdout is not None
        worker = int(child.stdout.readline())
        assert worker != child.pid
        child.kill()  # SIGKILL: no atexit, no shutdown of the pool
        child.wait()
        deadline = time.monotonic() + 15
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)  # another process: polled until it has left, bounded
        assert not _alive(worker)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes (the init process reaps it).
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False
