"""The real kill test (issue 13): ``python -m bot`` against the fake Bot API server,
several people at work, ``SIGKILL`` at random moments at least five times, restarted each
time. Afterwards every record acknowledged is in the database, every notification in the
outbox reached its recipient, none twice (a copy that may repeat says so), and the guided
conversation in progress went on across the kills."""

from __future__ import annotations

import asyncio
import functools
import html
import json
import os
import random
import re
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.domain.roles import Role
from bot.services.container import Services
from storage.db import Database
from tests.conftest import Cast
from tests.fakebot import TOKEN, FakeTelegram, TgUser, buttons, message_text
from tests.fakebot.running import add_person
from tests.images import jpeg_bytes

ROOT = Path(__file__).resolve().parents[1]
KILLS = 5
WAIT = 25.0  # a reply may wait out a kill and a restart


class BotProcess:
    def __init__(self, tg: FakeTelegram, data: Path, log: Path, admin: int) -> None:
        self.tg, self.log = tg, log
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
        self.env.update(BOT_TOKEN=TOKEN, BOT_API_SERVER=tg.url, BOT_DATA_DIR=str(data),
                        BOT_ADMIN_IDS=str(admin), PYTHONPATH=str(ROOT))  # fmt: skip
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        before = len(self.tg.calls_of("setMyCommands"))
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=self.log.parent, env=self.env,
                stdout=out, stderr=out,
            )  # fmt: skip
        self.starts += 1
        # Ready: post_init has run (the database is open, the inbox replayed).
        await self.tg.wait_for(lambda: len(self.tg.calls_of("setMyCommands")) > before, 30)

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.proc.wait(), 15)
        return int(self.proc.returncode or 0)


async def _prepare(data: Path, people: Cast, extra: list[TgUser]) -> None:
    settings = Settings(token=TOKEN, data_dir=data, admin_ids=frozenset({people.admin.id}))
    db = Database(settings.db_path)
    await db.open()
    svc = Services(settings=settings, db=db)
    cast = [(people.admin, Role.ADMIN), (people.supervisor, Role.SUPERVISOR),
            (people.purchaser, Role.PURCHASER), (people.teacher, Role.STAFF)]  # fmt: skip
    for user, role in cast + [(u, Role.STAFF) for u in extra]:
        await add_person(svc, user.id, user.full_name, role)
    await db.close()


async def _reporter(tg: FakeTelegram, user: TgUser, rooms: list[int]) -> list[str]:
    """Photo reports, one after the other; returns the places acknowledged."""
    done = []
    for room in rooms:
        place = f"教学楼{room}教室"
        await tg.send_photo(user, jpeg_bytes(), caption=f"{place} 门锁坏了")
        ack = await tg.message(user.id, place, timeout=WAIT)
        assert "已提交" in message_text(ack)
        done.append(place)
    return done


async def _purchaser(tg: FakeTelegram, user: TgUser, weights: list[int]) -> list[int]:
    numbers = []
    for weight in weights:
        await tg.send_text(user, f"/purchase\n猪肉 {weight}斤 13.5")
        try:
            preview = await tg.message(user.id, f"猪肉 {weight}斤", timeout=WAIT / 2)
        except AssertionError:
            # Killed after the draft was saved and before the preview went out: the
            # purchaser does what anyone would, and opens the draft again.
            await tg.send_text(user, "/purchase")
            preview = await tg.message(user.id, f"猪肉 {weight}斤", timeout=WAIT)
        await tg.tap(user, preview, "提交")
        ack = await tg.message(user.id, "已提交", timeout=WAIT)
        found = re.search(r"采购单 #(\d+) 已提交", message_text(ack))
        assert found, message_text(ack)
        numbers.append(int(found[1]))
    return numbers


def _says(tg: FakeTelegram, message: dict[str, Any], text: str) -> bool:
    return text in message_text(tg.current(message))


async def _supervisor(tg: FakeTelegram, user: TgUser, purchaser: TgUser, count: int) -> None:
    for _ in range(count):
        card = await tg.message(user.id, "待确认", timeout=WAIT * 2)
        while not buttons(tg.current(card)):  # a copy sent again after it was decided
            card = await tg.message(user.id, "待确认", timeout=WAIT * 2)
        await tg.tap(user, card, "确认")
        # The durable answers: the card edited to its final state, and the purchaser's notice.
        await tg.wait_for(functools.partial(_says, tg, card, "已由 李监督 确认"), WAIT)
        await tg.message(purchaser.id, "已由 李监督", timeout=WAIT)


async def _guided(tg: FakeTelegram, user: TgUser) -> None:
    """A guided report, step by step, while the bot is killed under it."""
    await tg.send_text(user, "/repair")
    await tg.message(user.id, "开始报修", timeout=WAIT)
    await tg.send_photo(user, jpeg_bytes())
    await tg.message(user.id, "收到第1张", timeout=WAIT)
    await tg.send_text(user, "实验楼二层 化学实验室")
    await tg.message(user.id, "什么坏了", timeout=WAIT)
    await tg.send_text(user, "水龙头关不紧，一直流水")
    category = await tg.message(user.id, "属于哪一类", timeout=WAIT)
    await tg.tap(user, category, "水")
    urgency = await tg.message(user.id, "紧急程度", timeout=WAIT)
    await tg.tap(user, urgency, "紧急")
    summary = await tg.message(user.id, "请确认", timeout=WAIT)
    assert "实验楼二层 化学实验室" in message_text(summary)
    await tg.tap(user, summary, "提交")
    await tg.message(user.id, "已提交", timeout=WAIT)


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _db(data: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(data / "houqin.sqlite3", timeout=10)
    conn.row_factory = sqlite3.Row
    return conn


def _outbox_empty(data: Path) -> bool:
    with _db(data) as conn:
        return not conn.execute(
            "SELECT 1 FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        ).fetchone()


async def test_bot_killed_five_times_loses_nothing_and_sends_nothing_twice(
    tg: FakeTelegram, tmp_path: Path, people: Cast
) -> None:
    seed = random.randrange(10**6)
    rng = random.Random(seed)
    data = tmp_path / "data"
    teacher2, teacher3 = TgUser(1101, "吴老师"), TgUser(1102, "郑老师")
    await _prepare(data, people, [teacher2, teacher3])
    bot = BotProcess(tg, data, tmp_path / "bot.log", people.admin.id)
    await bot.start()

    async def killer() -> None:
        for _ in range(KILLS):
            await asyncio.sleep(rng.uniform(0.3, 1.6))
            await bot.kill()
            await bot.start()

    work = asyncio.gather(
        _reporter(tg, people.teacher, [101, 102, 103]),
        _reporter(tg, teacher2, [201, 202, 203]),
        _purchaser(tg, people.purchaser, [20, 30, 40]),
        _supervisor(tg, people.supervisor, people.purchaser, 3),
        _guided(tg, teacher3),
    )
    try:
        results, _ = await asyncio.gather(work, killer())
        await tg.wait_for(lambda: _outbox_empty(data), timeout=WAIT)
    finally:
        code = await bot.stop()
        if code not in (0, -signal.SIGKILL):
            print((tmp_path / "bot.log").read_text()[-3000:])
    log = (tmp_path / "bot.log").read_text()
    replayed = sum(int(n) for n in re.findall(r"replaying (\d+) update", log))
    print(f"kill test: seed {seed}, {bot.starts} starts, {replayed} updates replayed")
    note = f"(seed {seed})"
    assert bot.starts == KILLS + 1, note
    places = results[0] + results[1]
    purchases = results[2]

    with _db(data) as conn:
        # Every report acknowledged is there, once; so is the guided one.
        rows = conn.execute("SELECT location, urgency FROM repairs").fetchall()
        located = sorted(r["location"] for r in rows)
        assert located == sorted([*places, "实验楼二层 化学实验室"]), note
        # Every purchase acknowledged is there with its one line, and confirmed.
        for number in purchases:
            state = conn.execute("SELECT state FROM purchases WHERE id = ?", (number,)).fetchone()
            lines = conn.execute(
                "SELECT COUNT(*) FROM purchase_lines WHERE purchase_id = ?", (number,)
            ).fetchone()[0]
            assert state is not None and state["state"] == "confirmed" and lines == 1, note
        assert conn.execute("SELECT COUNT(*) FROM purchases").fetchone()[0] == 3, note
        # Every notification reached its chat.
        outbox = conn.execute(
            "SELECT chat_id, payload FROM outbox WHERE kind = 'message'"
        ).fetchall()
        assert all(r["chat_id"] for r in outbox)
        unsent = conn.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]
        assert unsent == 0, note
        # Nothing received is left unhandled.
        assert not conn.execute("SELECT 1 FROM inbox WHERE handled_at IS NULL").fetchone()
    for row in outbox:
        first_line = _plain(json.loads(row["payload"])["text"]).split("\n")[0]
        assert any(
            m["chat"]["id"] == row["chat_id"]
            # as sent, or before it was edited to its final state
            and any(first_line in _plain(text) for text in [message_text(m), *m.get("_was", [])])
            for m in tg.sent
        ), (first_line, note)
    # None twice: a copy sent again after a kill between send and mark says so.
    numbered = [c for c in tg.repeats() if "#" in message_text(c[0])]
    unmarked = [c for c in numbered if not all("重发" in message_text(m) for m in c[1:])]
    assert unmarked == [], (unmarked, note)
    assert len(numbered) <= KILLS, note
