"""The real process: `python -m bot` polls the Bot API server, stops on SIGTERM within a
few seconds, and never writes the token to its log."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from bot.logs import RedactTokenFilter
from tests.fakebot import TOKEN, FakeTelegram, TgUser

ROOT = Path(__file__).resolve().parents[1]


async def test_bot_process_polls_answers_and_stops_cleanly_on_sigterm(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(
        BOT_TOKEN=TOKEN,
        BOT_API_SERVER=tg.url,
        BOT_DATA_DIR=str(tmp_path / "data"),
        BOT_LOG_LEVEL="DEBUG",
        PYTHONPATH=str(ROOT),
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await tg.wait_for(lambda: tg.calls_of("setMyCommands"), timeout=30)
        stranger = TgUser(4242, "路人")
        await tg.send_text(stranger, "你好")
        assert "邀请" in (await tg.message(stranger.id, timeout=15))["text"]
        proc.send_signal(signal.SIGTERM)
        # Read the log while waiting: a DEBUG log bigger than the pipe's buffer would
        # otherwise keep the exit from being seen.
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=10)
        code = proc.returncode
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert code == 0
    log = out.decode()
    assert "getUpdates" in log  # the debug log really ran
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert (tmp_path / "data" / "houqin.sqlite3").exists()


def test_token_is_redacted_from_log_lines_and_tracebacks() -> None:
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "HTTP Request: POST https://x/bot%s/getMe",
        (TOKEN,),
        None,
    )
    RedactTokenFilter(TOKEN).filter(record)
    assert TOKEN not in record.getMessage() and "<token>" in record.getMessage()
    try:
        raise RuntimeError(f"failed GET https://x/file/bot{TOKEN}/photos/1.jpg")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())
    RedactTokenFilter(TOKEN).filter(record)
    assert TOKEN not in record.getMessage() and "RuntimeError" in record.getMessage()


async def test_database_newer_than_the_bot_stops_it_with_a_clear_message(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    import sqlite3

    data = tmp_path / "data"
    data.mkdir()
    conn = sqlite3.connect(data / "houqin.sqlite3")
    conn.execute("PRAGMA user_version=999")
    conn.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(BOT_TOKEN=TOKEN, BOT_API_SERVER=tg.url, BOT_DATA_DIR=str(data),
               PYTHONPATH=str(ROOT))  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 3
    assert "schema version 999" in err.decode()
