"""Start the try-out as a user would (``python -m bot`` in a fresh folder, no token) and stop
it with SIGTERM; shared by the try-out's process and browser tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "test-output"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class TryOut:
    url: str
    process: subprocess.Popen[str]
    data_dir: Path
    seconds_to_page: float


def _serves(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200 and "后勤助手" in response.read().decode()
    except OSError:
        return False


def _bot_is_up(url: str) -> bool:
    """The bot has started when its scheduled jobs are listed by the time controls."""
    try:
        with urllib.request.urlopen(url + "/try/jobs", timeout=1) as response:
            return bool(json.loads(response.read())["jobs"])
    except OSError:
        return False


@contextmanager
def try_out(workdir: Path, *args: str, data_dir: Path | None = None) -> Iterator[TryOut]:
    """``python -m bot [args]`` with no BOT_* settings but a temp data folder and a free
    port; yields once the page is served (or fails after 15 s)."""
    data_dir = data_dir or workdir / "data"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(
        BOT_DATA_DIR=str(data_dir),
        BOT_SANDBOX_PORT=str(port),
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    log = (workdir / "try-out.log").open("a", encoding="utf-8")
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        while not _serves(url + "/"):
            if process.poll() is not None or time.monotonic() - started > 15:
                raise AssertionError(
                    "the try-out did not serve its page within 15 s:\n"
                    + (workdir / "try-out.log").read_text(encoding="utf-8")[-3000:]
                )
            time.sleep(0.2)
        seconds_to_page = time.monotonic() - started
        # The page comes first; the bot follows once the first start's set-up is done.
        while not _bot_is_up(url):
            if process.poll() is not None or time.monotonic() - started > 90:
                raise AssertionError("the try-out's bot did not start")
            time.sleep(0.2)
        yield TryOut(url, process, data_dir, seconds_to_page)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
