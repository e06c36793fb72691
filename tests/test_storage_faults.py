"""Disk full, a read-only database, a damaged file (issue 13): one clear log line, one
admin alert per kind per hour, users told 「系统暂时无法保存，请稍后再试」, nothing committed
is damaged and read-only requests keep working. /backup and ``python -m bot restore``."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot import restore
from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from storage.db import Database, DatabaseUnusableError
from tests.conftest import Cast
from tests.fakebot import TOKEN, FakeTelegram, message_text
from tests.fakebot.running import services
from tests.images import jpeg_bytes

ROOT = Path(__file__).resolve().parents[1]
CANNOT_SAVE = "系统暂时无法保存，请稍后再试。"


async def _fill_the_disk(app: App) -> None:
    """The database may not grow by a single page: SQLite answers SQLITE_FULL, exactly
    as on a full disk."""
    conn = services(app).db.conn
    async with conn.execute("PRAGMA page_count") as cur:
        row = await cur.fetchone()
    assert row is not None
    await conn.execute(f"PRAGMA max_page_count = {int(row[0])}")


def _admin_alerts(tg: FakeTelegram, admin_id: int, words: str) -> list[str]:
    return [
        message_text(m) for m in tg.sent if m["chat"]["id"] == admin_id and words in message_text(m)
    ]


@pytest.mark.expect_errors  # the operator's one log line is the behaviour under test
async def test_disk_full_asks_users_to_try_later_and_tells_admins_once_an_hour(
    bot: App,
    tg: FakeTelegram,
    people: Cast,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="教学楼302教室 门锁坏了")
    await tg.message(people.teacher.id, "报修单 #1 已提交")
    await _fill_the_disk(bot)
    # Enough reports that the pages SQLite had left over run out.
    long_text = "，".join(["灯管不亮"] * 80)
    for _ in range(3):
        await tg.send_photo(people.teacher, jpeg_bytes(), caption=f"图书馆一楼 {long_text}")
        assert message_text(await tg.message(people.teacher.id)) == CANNOT_SAVE
    # Read-only requests still work, and what was committed is intact.
    await tg.send_text(people.teacher, "/repair 1")
    assert "教学楼302教室" in message_text(await tg.message(people.teacher.id, "#1"))
    await tg.send_text(people.admin, "/help")
    await tg.message(people.admin.id, "/invite")
    assert len(_admin_alerts(tg, people.admin.id, "磁盘已满")) == 1
    assert not _admin_alerts(tg, people.admin.id, "出错")  # never the generic alert
    lines = [r for r in caplog.records if "cannot save (disk_full)" in r.getMessage()]
    assert len(lines) == 1 and lines[0].exc_info is None  # one clear line, no traceback
    # An hour later the admins hear it again, if it is still full.
    clock.advance(timedelta(hours=1, minutes=1))
    await tg.send_photo(people.teacher, jpeg_bytes(), caption=f"图书馆一楼 {long_text}")
    await tg.message(people.teacher.id, CANNOT_SAVE)
    await tg.message(people.admin.id, "磁盘已满")
    with sqlite3.connect(services(bot).settings.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM repairs").fetchone()[0] == 1
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.expect_errors  # the operator's one log line is the behaviour under test
async def test_read_only_database_keeps_answering_reads_and_asks_to_try_later(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await services(bot).db.conn.execute("PRAGMA query_only = ON")
    await tg.send_text(people.purchaser, "/purchase\n猪肉 20斤 13.5")
    assert message_text(await tg.message(people.purchaser.id)) == CANNOT_SAVE
    await tg.send_text(people.teacher, "/repairs")
    assert "报修" in message_text(await tg.message(people.teacher.id))
    await tg.send_text(people.teacher, "/help")
    assert "/repair" in message_text(await tg.message(people.teacher.id))  # not 「无法保存」
    await tg.message(people.admin.id, "只能读")


def _damage_inner_pages(path: Path) -> None:
    """A database with data whose inner pages are then overwritten with junk."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x TEXT)")
    conn.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 200)
    conn.execute("CREATE INDEX t_x ON t (x)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with path.open("r+b") as f:
        f.seek(4096 * 3 + 100)
        f.write(os.urandom(3000))


async def test_damaged_database_at_start_names_the_latest_backup(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "backups").mkdir(parents=True)
    for name in ("houqin-20261121-023000.sqlite3", "houqin-20261122-023000.sqlite3"):
        (data / "backups" / name).write_bytes(b"")
    _damage_inner_pages(data / "houqin.sqlite3")
    with pytest.raises(DatabaseUnusableError) as caught:
        await Database(data / "houqin.sqlite3").open()
    assert "python -m bot restore" in str(caught.value)
    assert "houqin-20261122-023000.sqlite3" in str(caught.value)


async def _run_bot(data: Path, tg: FakeTelegram, cwd: Path) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(BOT_TOKEN=TOKEN, BOT_API_SERVER=tg.url, BOT_DATA_DIR=str(data),
               PYTHONPATH=str(ROOT))  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode is not None
    return proc.returncode, err.decode()


async def test_bot_refuses_to_start_on_a_file_that_is_not_a_database(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "houqin.sqlite3").write_bytes(b"this is not a database, it was overwritten" * 200)
    code, err = await _run_bot(data, tg, tmp_path)
    assert code == 4
    assert "cannot be used" in err and "no backup found" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


async def test_bot_refuses_to_start_when_the_data_directory_cannot_be_made(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    code, err = await _run_bot(blocker / "data", tg, tmp_path)
    assert code == 4 and "Traceback" not in err and "cannot be used" in err


async def test_backup_command_sends_admins_a_database_they_can_open(
    bot: App, tg: FakeTelegram, people: Cast, tmp_path: Path
) -> None:
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="教学楼302教室 门锁坏了")
    await tg.message(people.teacher.id, "已提交")
    await tg.send_text(people.teacher, "/backup")
    assert "管理员" in message_text(await tg.message(people.teacher.id))
    await tg.send_text(people.admin, "/backup")
    sent = await tg.message(people.admin.id, "数据库备份")
    copy = tmp_path / "received.sqlite3"
    copy.write_bytes(sent["_bytes"])
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT location FROM repairs").fetchone()[0] == "教学楼302教室"
    # A recent backup is sent as it is, not made again.
    await tg.send_text(people.admin, "/backup")
    again = await tg.message(people.admin.id, "数据库备份")
    assert again["document"]["file_name"] == sent["document"]["file_name"]
    folder = services(bot).settings.data_dir / "backups"
    assert len(list(folder.glob("houqin-*.sqlite3"))) == 1


def _database(path: Path, version: int, note: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS notes (text TEXT)")
    conn.execute("DELETE FROM notes")
    conn.execute("INSERT INTO notes VALUES (?)", (note,))
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


def test_restore_puts_a_checked_backup_in_place_and_keeps_the_current_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("BOT_DATA_DIR", str(data))
    monkeypatch.chdir(tmp_path)
    _database(data / "houqin.sqlite3", 6, "today")
    saved = tmp_path / "houqin-20261122-023000.sqlite3"
    _database(saved, 5, "yesterday")
    assert restore.main([str(saved)]) == 0
    with sqlite3.connect(data / "houqin.sqlite3") as conn:
        assert conn.execute("SELECT text FROM notes").fetchone()[0] == "yesterday"
    [aside] = data.glob("houqin.sqlite3.before-restore-*")
    with sqlite3.connect(aside) as conn:
        assert conn.execute("SELECT text FROM notes").fetchone()[0] == "today"
    assert "restored" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda p: p.write_bytes(b"junk" * 1000), "not a SQLite database"),
        (lambda p: _database(p, 999, "future"), "schema version 999"),
        (lambda p: _damage_inner_pages(p), "is damaged"),
    ],
    ids=["not_sqlite", "newer_schema", "damaged"],
)
def test_restore_refuses_a_bad_backup_and_changes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    make: object,
    why: str,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("BOT_DATA_DIR", str(data))
    monkeypatch.chdir(tmp_path)
    _database(data / "houqin.sqlite3", 6, "today")
    bad = tmp_path / "bad.sqlite3"
    make(bad)  # type: ignore[operator]
    assert restore.main([str(bad)]) == restore.EXIT_BAD_BACKUP
    assert why in capsys.readouterr().err
    with sqlite3.connect(data / "houqin.sqlite3") as conn:
        assert conn.execute("SELECT text FROM notes").fetchone()[0] == "today"
    assert not list(data.glob("*.before-restore-*"))


def test_settings_default_data_dir_is_used_by_restore() -> None:
    assert Settings.data_dir == Path("data")
    logging.getLogger(__name__).debug("restore reads BOT_DATA_DIR without a token")
