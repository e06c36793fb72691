"""Issue 14's measurements, written to benchmarks/RESULTS.md (run by ``make bench``).

Everything interactive runs against the fake Bot API server on 127.0.0.1 with Telegram's
flood limits enforced (about 30 messages a second, 20 a minute per group, 429s past them).

- the ceiling: a bare PTB echo bot with the same rate limiter (the project's LanePacer),
  and the project's /help, photo repair report, purchase preview and button confirmation:
  throughput at 50 concurrent users as a ratio to the echo bot, p50/p99 latency at 1 user;
- a teacher's /help and a supervisor's tap during a 130-person menu push and during a
  120-person patrol round, against the same with nothing going on; a patroller's tap;
- a 12 MP JPEG and a 4000x3000 PNG with transparency: time and peak memory (RSS above the
  baseline, measured in a fresh process per picture);
- the outbox poll over 0, 1 and 5 years of generated outbox rows (and the old index).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image
from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot import callbacks
from bot.app import App
from bot.callbacks import Ns, PurchaseCheckAction
from bot.clock import FrozenClock, to_db
from bot.config import Settings
from bot.domain.messages import OutMessage
from bot.domain.roles import Role
from bot.render.images import normalize_image
from bot.sandbox.botapi import FloodLimits
from bot.services import purchases, repairs, reports
from bot.services.container import Services
from bot.telegram.pacing import LanePacer
from jobs import patrols as patrol_jobs
from storage import outbox
from storage.db import Database
from tests.fakebot import FakeTelegram, TgUser, message_text
from tests.fakebot.running import add_person, register, running_bot, services
from tests.images import jpeg_bytes
from tests.reportdata import generate_school

RESULTS = Path(__file__).with_name("RESULTS.md")
USERS = 50
ROUNDS = 3
LATENCY_N = 50
# Outbox rows a large school's year makes: repairs (~5 messages each), purchases, the weekly
# menu to 130, patrol rounds to 120 on duty, acknowledgements.
OUTBOX_ROWS_PER_YEAR = 200_000

Send = Callable[[FakeTelegram, TgUser, int], Awaitable[None]]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Path_:
    """One interactive path: who does it, what to set up first, one round trip."""

    name: str
    role: Role
    send: Send
    prepare: Callable[[App, list[TgUser]], Awaitable[None]] | None = None


async def _help(tg: FakeTelegram, user: TgUser, i: int) -> None:
    await tg.send_text(user, "/help")
    await tg.message(user.id, "您可以", timeout=60)


async def _photo_report(tg: FakeTelegram, user: TgUser, i: int) -> None:
    await tg.send_photo(user, PHONE_PHOTO, caption=f"教学楼{300 + i}教室 门锁坏了")
    await tg.message(user.id, "已提交", timeout=60)


def _latest_rev(tg: FakeTelegram, chat_id: int, needle: str) -> int:
    """The newest revision of a message in ``chat_id`` showing ``needle`` (sent or edited)."""
    return max(
        (
            int(m.get("_rev", 0))
            for (chat, _), m in tg.messages.items()
            if chat == chat_id and needle in message_text(m)
        ),
        default=0,
    )


async def _purchase_preview(tg: FakeTelegram, user: TgUser, i: int) -> None:
    # The preview may be a new message or the draft's preview edited in place: either way
    # a message in the chat shows the new line's total.
    before = _latest_rev(tg, user.id, "合计")
    await tg.send_text(user, f"猪肉 {20 + i}斤 13.5")
    await tg.wait_for(lambda: _latest_rev(tg, user.id, "合计") > before, timeout=60)


_PURCHASES: dict[int, list[int]] = {}  # supervisor -> purchases waiting for their 确认


async def _prepare_purchases(
    app: App, users: list[TgUser], first: int = ROUNDS + LATENCY_N
) -> None:
    """Purchases submitted by a purchaser before the supervisors join (so the submissions
    notify nobody): each supervisor then confirms their own share, one tap each."""
    svc = services(app)
    buyer = await add_person(svc, 900_001, "张采购", Role.PURCHASER)
    for user in users:
        _PURCHASES[user.id] = []
        for _ in range(first if user is users[0] else ROUNDS):
            draft = await purchases.start_draft(svc, buyer, "猪肉 20斤 13.5\n白菜 50斤 1.2")
            await purchases.submit(svc, buyer, draft.purchase.id)
            _PURCHASES[user.id].append(draft.purchase.id)
    for user in users:
        await add_person(svc, user.id, user.full_name, Role.SUPERVISOR)


async def _confirm_tap(tg: FakeTelegram, user: TgUser, i: int) -> None:
    purchase_id = _PURCHASES[user.id].pop()
    card = {"message_id": 1, "date": 0, "chat": {"id": user.id, "type": "private"}}
    data = callbacks.encode(Ns.PURCHASE_CHECK, PurchaseCheckAction.CONFIRM, purchase_id)
    await tg.answer(await tg.tap_data(user, card, data), timeout=60)


async def _echo(tg: FakeTelegram, user: TgUser, i: int) -> None:
    await tg.send_text(user, f"回声 {i}")
    await tg.message(user.id, f"回声 {i}", timeout=60)


def _telegram() -> FakeTelegram:
    """The fake Bot API with Telegram's flood limits enforced (429s past them)."""
    return FakeTelegram(keep_calls=False, flood=FloodLimits())


async def _load(tg: FakeTelegram, users: list[TgUser], send: Send) -> tuple[float, list[float]]:
    """(answers per second with every user busy, latencies at one user)."""

    async def one_user(user: TgUser) -> None:
        for r in range(ROUNDS):
            await send(tg, user, r)

    start = time.perf_counter()
    await asyncio.gather(*(one_user(u) for u in users))
    rate = len(users) * ROUNDS / (time.perf_counter() - start)
    latencies = []
    for i in range(LATENCY_N):
        t0 = time.perf_counter()
        await send(tg, users[0], 100 + i)
        latencies.append(time.perf_counter() - t0)
        await _spaced(t0)
    return rate, latencies


PROBE_SPACING = 0.1  # one person at most 10 a second: under the flood budget on its own


async def _spaced(started: float, spacing: float = PROBE_SPACING) -> None:
    """Latency probes spaced out: back to back they would be paced by the flood budget
    (28 a second) and measure the limiter, not the bot."""
    await asyncio.sleep(max(0.0, started + spacing - time.perf_counter()))


async def _echo_bot(users: list[TgUser]) -> tuple[float, list[float]]:
    tg = _telegram()
    await tg.start()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text
        await update.effective_message.reply_text(update.effective_message.text)

    app = (
        ApplicationBuilder()
        .token(tg.token)
        .base_url(f"{tg.url}/bot")
        .rate_limiter(LanePacer())  # the project's limiter: the same budget for both
        .concurrent_updates(True)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    try:
        async with app:
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
            await app.start()
            try:
                return await _load(tg, users, _echo)
            finally:
                await app.updater.stop()
                await app.stop()
    finally:
        await tg.stop()


async def _project(users: list[TgUser], path: Path_) -> tuple[float, list[float]]:
    tg = _telegram()
    await tg.start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(token=tg.token, api_server=tg.url, data_dir=Path(tmp))
        try:
            async with running_bot(settings) as app:
                if path.prepare is not None:
                    await path.prepare(app, users)
                else:
                    for user in users:
                        await register(services(app), user, path.role)
                return await _load(tg, users, path.send)
        finally:
            await tg.stop()


# ---------------------------------------------------------------- during a push

TEACHERS = 130
PATROLLERS = 120
PROBES = 30


@dataclass
class Probes:
    help_: list[float] = field(default_factory=list)
    tap: list[float] = field(default_factory=list)
    patrol_tap: list[float] = field(default_factory=list)
    push_seconds: float = 0.0
    refused: int = 0


async def _during(
    tg: FakeTelegram, app: App, push: str | None, people: dict[str, TgUser]
) -> Probes:
    """/help and a supervisor's 确认 tap, one after another, while ``push`` goes out (a
    130-person menu push or a 120-person patrol round; None: nothing else going on); in
    the patrol round also a patroller's tap on their checklist."""
    svc = services(app)
    probes = Probes()
    teacher, boss = people["teacher"], people["supervisor"]
    before = len(tg.sent)
    refused = tg.flood.refused if tg.flood else 0
    total = 0
    start = time.perf_counter()
    if push == "menu":
        async with svc.db.transaction() as tx:  # as the Sunday job queues it: no update
            for n in range(TEACHERS):
                await outbox.enqueue(
                    tx, 20_000 + n, OutMessage("下周食谱 " * 20), ref=None, now=svc.now()
                )
        svc.kick_outbox()
        total = TEACHERS
    elif push == "patrol":
        sent = await patrol_jobs.run_due(svc)
        assert sent, "no round was due"
        total = PATROLLERS

    first_chat = 20_000 if push == "menu" else 40_000

    def pushed() -> int:
        return sum(1 for m in tg.sent[before:] if 0 <= m["chat"]["id"] - first_chat < total)

    checklist: dict[str, Any] | None = None
    await tg.send_text(teacher, "/help")  # warm: the first answer builds caches
    await tg.message(teacher.id, "您可以", timeout=60)
    for i in range(PROBES):
        if push and pushed() >= total and i >= 5:
            break
        started = t0 = time.perf_counter()
        await tg.send_text(teacher, "/help")
        await tg.message(teacher.id, "您可以", timeout=60)
        probes.help_.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        await _confirm_tap(tg, boss, i)
        probes.tap.append(time.perf_counter() - t0)
        if push == "patrol":
            if checklist is None:  # the first patroller whose checklist has arrived
                found = [m for m in tg.sent[before:] if "巡查" in message_text(m)]
                checklist = found[0] if found else None
            if checklist is not None:
                patroller = TgUser(checklist["chat"]["id"], "巡查员")
                label = f"{(i % 6) + 1}."
                t0 = time.perf_counter()
                await tg.answer(await tg.tap(patroller, tg.current(checklist), label), timeout=60)
                probes.patrol_tap.append(time.perf_counter() - t0)
        # Two or three people's actions every 0.3 s (up to 10 a second): what the bulk
        # lane leaves room for (28 - 20 a second), as a busy school morning would use it.
        await _spaced(started, 0.3)
    if push:
        await tg.wait_for(lambda: pushed() >= total, timeout=120)
    probes.push_seconds = time.perf_counter() - start
    probes.refused = (tg.flood.refused if tg.flood else 0) - refused
    return probes


async def _pushes() -> dict[str, Probes]:
    tg = _telegram()
    await tg.start()
    results: dict[str, Probes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(token=tg.token, api_server=tg.url, data_dir=Path(tmp))
        # Monday 06:50 in Shanghai, frozen (nothing else fires); the morning round is made
        # due at 07:00 once everyone is registered.
        shanghai = ZoneInfo("Asia/Shanghai")
        clock = FrozenClock(datetime(2026, 11, 23, 6, 50, tzinfo=shanghai))
        try:
            async with running_bot(settings, clock) as app:
                svc = services(app)
                people = {
                    "teacher": TgUser(30_001, "孙老师"),
                    "supervisor": TgUser(30_002, "李监督"),
                }
                await register(svc, people["teacher"], Role.STAFF)
                for n in range(TEACHERS - 1):
                    await add_person(svc, 20_000 + n, f"老师{n}", Role.STAFF)
                for n in range(PATROLLERS):
                    await add_person(svc, 40_000 + n, f"巡查{n}", Role.PATROL)
                await _prepare_purchases(app, [people["supervisor"]], first=3 * PROBES)
                for push in (None, "menu", "patrol"):
                    if push == "patrol":
                        clock.set(datetime(2026, 11, 23, 7, 0, tzinfo=shanghai))
                    results[push or "none"] = await _during(tg, app, push, people)
        finally:
            await tg.stop()
    return results


PHONE_PHOTO = jpeg_bytes(1280, 960)


def _transparent_png() -> bytes:
    picture = Image.new("RGBA", (4000, 3000), (0, 0, 0, 0))
    picture.paste((200, 40, 40, 255), (1000, 500, 3000, 2500))
    buf = io.BytesIO()
    picture.save(buf, "PNG")
    return buf.getvalue()


# VmHWM (peak RSS of this process image), not ru_maxrss: Linux carries ru_maxrss over from
# the parent through fork and exec, so a child of a big bench process reads 0.
_MEASURE = """
import sys
from pathlib import Path
from bot.render.images import normalize_image

def peak_kib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise SystemExit("no VmHWM")

data = Path(sys.argv[1]).read_bytes()
before = peak_kib()
normalize_image(data)
print(peak_kib() - before)
"""


def _peak_mib(data: bytes) -> float:
    """Peak RSS above the baseline (imports and the file's bytes) in a fresh process."""
    with tempfile.NamedTemporaryFile(suffix=".img") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(
            [sys.executable, "-c", _MEASURE, f.name],
            check=True,
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent.parent,
        )
    return int(out.stdout.strip()) / 1024


def _photos() -> list[tuple[str, float, float]]:
    rows = []
    for name, data in (
        ("12 MP JPEG (4032x3024)", jpeg_bytes(4032, 3024)),
        ("4000x3000 PNG with transparency", _transparent_png()),
    ):
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            normalize_image(data)
            times.append(time.perf_counter() - t0)
        rows.append((name, statistics.median(times), _peak_mib(data)))
    return rows


async def _outbox_poll(years: int, old_index: bool = False) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "bot.db")
        await db.open()
        try:
            start = datetime(2021, 9, 1, tzinfo=UTC)
            text = "新报修单 #123 教学楼302教室 门锁坏了 " * 6
            payload = '{"text": "' + text + '", "buttons": []}'
            rows: list[tuple[Any, ...]] = []
            total = years * OUTBOX_ROWS_PER_YEAR
            step = timedelta(days=365 * max(years, 1)) / max(total, 1)
            for i in range(total):
                at = to_db(start + step * i)
                rows.append((1000 + i % 2000, payload, f"repair:{i // 5}", at, at, at))
            for i in range(5):  # a few waiting, as on any morning
                at = to_db(start + timedelta(days=365 * years))
                rows.append((1000 + i, payload, None, at, at, None))
            async with db.transaction() as tx:
                await tx.executemany(
                    "INSERT INTO outbox (chat_id, payload, ref, created_at, next_attempt_at,"
                    " sent_at, kind) VALUES (?, ?, ?, ?, ?, ?, 'message')",
                    rows,
                )
                if old_index:  # the index before issue 14, to compare
                    await tx.execute("DROP INDEX outbox_due")
                    await tx.execute(
                        "CREATE INDEX outbox_pending ON outbox(next_attempt_at)"
                        " WHERE sent_at IS NULL AND failed_at IS NULL"
                    )
            # No ANALYZE: the bot never runs it, so the planner works without statistics.
            now = start + timedelta(days=365 * years + 1)
            times = []
            for _ in range(30):
                t0 = time.perf_counter()
                due = await outbox.due(db, now)
                times.append(time.perf_counter() - t0)
                assert len(due) == 5
            return statistics.median(times)
        finally:
            await db.close()


# ---------------------------------------------------------------- records over the years


class StallWatch:
    """The longest the event loop went without running a 5 ms ticker: how long everyone
    else's updates would have waited."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last - 0.005)
            last = now

    async def __aenter__(self) -> StallWatch:
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@dataclass
class Timing:
    median: float
    stall: float


async def _timed(run: Callable[[], Awaitable[object]], repeat: int = 7) -> Timing:
    times, stalls = [], []
    for _ in range(repeat):
        async with StallWatch() as watch:
            t0 = time.perf_counter()
            await run()
            times.append(time.perf_counter() - t0)
        stalls.append(watch.worst)
    return Timing(statistics.median(times), max(stalls))


async def _records(years: int) -> dict[str, Timing]:
    """Report, exports, the outbox poll and one new report over ``years`` generated years
    of a large school (3,000 repairs, 5,000 purchase lines, 1,095 rounds a year)."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(token="123456:" + "A" * 30, data_dir=Path(tmp))
        db = Database(settings.db_path)
        await db.open()
        try:
            await generate_school(db, 2027 - years, years)
            clock = FrozenClock(datetime(2026, 12, 31, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
            svc = Services(settings=settings, db=db, clock=clock)
            boss = await add_person(svc, 1, "王校长", Role.ADMIN)
            teacher = await add_person(svc, 2, "孙老师", Role.STAFF)
            # As the bot does once started (bot/memory.py): what lives on (here also the
            # earlier sections' leftovers) leaves the collector's full passes.
            gc.collect()
            gc.freeze()
            got: dict[str, Timing] = {}
            got["/report 2026: the numbers (first answer)"] = await _timed(
                lambda: reports.report_text(svc, "2026", by=boss)
            )
            numbers = await reports.report_text(svc, "2026", by=boss)
            got["/report 2026: chart and drafted 总结 (follow)"] = await _timed(
                lambda: reports.report_files(svc, numbers), repeat=1
            )
            for kind in ("repairs", "purchases", "patrols"):
                got[f"/export {kind} 2026-11 (a month)"] = await _timed(
                    lambda kind=kind: reports.export(svc, kind, "2026-11", by=boss)  # type: ignore[misc]
                )
            got["/export all 2026 (a year, every sheet)"] = await _timed(
                lambda: reports.export(svc, "all", "2026", by=boss), repeat=1
            )
            got["outbox poll"] = await _timed(lambda: outbox.due(db, clock.now()), repeat=30)
            n = [0]

            async def one_report() -> None:
                n[0] += 1
                await repairs.report_caption(
                    svc, reporter=teacher, caption=f"教学楼{n[0] % 500}教室 门锁坏了", photos=()
                )

            got["one new repair report"] = await _timed(one_report, repeat=20)
            return got
        finally:
            await db.close()


def _records_table(by_years: dict[int, dict[str, Timing]]) -> list[str]:
    years = sorted(by_years)
    head = " | ".join(f"{y} year{'s' if y > 1 else ''}: time / worst stall" for y in years)
    lines = [f"| What | {head} |", "|---|" + "---|" * len(years)]
    for name in by_years[years[0]]:
        cells = " | ".join(
            f"{_ms(by_years[y][name].median)} / {_ms(by_years[y][name].stall)}" for y in years
        )
        lines.append(f"| {name} | {cells} |")
    return lines


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.node()}: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()},"
        f" {platform.system()} {platform.release()}"
    )


_PATHS = [
    Path_("/help", Role.STAFF, _help),
    Path_("photo repair report", Role.STAFF, _photo_report),
    Path_("purchase preview", Role.PURCHASER, _purchase_preview),
    Path_("button confirmation (确认)", Role.SUPERVISOR, _confirm_tap, _prepare_purchases),
]


def _record_targets(five: dict[str, Timing], mark: Callable[[bool], str]) -> list[str]:
    first = five["/report 2026: the numbers (first answer)"]
    months = [v for k, v in five.items() if "(a month)" in k]
    worst_month = max(v.median for v in months)
    stall = max(v.stall for v in five.values())
    return [
        f"- `/report <year>` < 100 ms at five years (the numbers, the first answer):"
        f" {_ms(first.median)}, {mark(first.median < 0.1)}",
        f"- a month's export < 300 ms at five years: worst {_ms(worst_month)},"
        f" {mark(worst_month < 0.3)}",
        f"- no event-loop stall over 50 ms (any of the above): worst {_ms(stall)},"
        f" {mark(stall < 0.05)}",
    ]


def _targets(
    ratios: dict[str, float],
    photos: list[tuple[str, float, float]],
    polls: list[tuple[int, float]],
    pushes: dict[str, Probes],
    by_years: dict[int, dict[str, Timing]],
) -> list[str]:
    """The issue's targets this benchmark covers, each marked met or not."""

    def mark(ok: bool) -> str:
        return "met" if ok else "**not met**"

    jpeg_name, jpeg_time, jpeg_mib = photos[0]
    worst_poll = max(t for _, t in polls)
    lines = ["## Issue 14's targets measured here", ""]
    for name, ratio in ratios.items():
        lines.append(
            f"- {name}: throughput >= 95 % of the echo bot: {ratio:.0%}, {mark(ratio >= 0.95)}"
        )
    worst = max(_p(v, 0.99) for pr in pushes.values() for v in (pr.help_, pr.tap) if v)
    patrol_taps = pushes["patrol"].patrol_tap if "patrol" in pushes else []
    worst_tap = _p(patrol_taps, 0.99) if patrol_taps else float("inf")
    lines += [
        f"- interactive p99 < 300 ms during any push: worst {_ms(worst)}, {mark(worst < 0.3)}",
        f"- a patroller's tap answered < 300 ms (p99): {_ms(worst_tap)}, {mark(worst_tap < 0.3)}",
        *_record_targets(by_years[max(by_years)], mark),
        f"- {jpeg_name} < 300 ms and < 60 MiB: {_ms(jpeg_time)}, {jpeg_mib:.0f} MiB,"
        f" {mark(jpeg_time < 0.3 and jpeg_mib < 60)}",
        f"- outbox poll < 5 ms at any history: worst {_ms(worst_poll)}, {mark(worst_poll < 0.005)}",
        "",
    ]
    return lines


async def _interactive() -> tuple[list[str], dict[str, float]]:
    users = [TgUser(10_000 + i, f"老师{i}") for i in range(USERS)]
    # The echo bot runs first and last, and the better run is the ceiling: the machine is
    # shared, and a ceiling measured in a busy moment would flatter the project.
    first = await _echo_bot(users)
    results = [(path.name, await _project(users, path)) for path in _PATHS]
    last = await _echo_bot(users)
    echo_rate, echo_lat = max(first, last, key=lambda run: run[0])
    lines = [
        "| Path | answers/s at 50 users | ratio to echo | p50 at 1 user | p99 at 1 user |",
        "|---|---|---|---|---|",
        f"| bare PTB echo bot (ceiling) | {echo_rate:.1f} | 100 % | {_ms(_p(echo_lat, 0.5))}"
        f" | {_ms(_p(echo_lat, 0.99))} |",
    ]
    for name, (rate, lat) in results:
        lines.append(
            f"| {name} | {rate:.1f} | {rate / echo_rate * 100:.0f} % | {_ms(_p(lat, 0.5))}"
            f" | {_ms(_p(lat, 0.99))} |"
        )
        print(lines[-1])
    return lines, {name: rate / echo_rate for name, (rate, _) in results}


def _push_table(results: dict[str, Probes]) -> list[str]:
    names = {
        "none": "nothing else going on",
        "menu": f"menu push to {TEACHERS}",
        "patrol": f"patrol round to {PATROLLERS}",
    }
    lines = [
        "| While | /help p50 | /help p99 | 确认 tap p50 | 确认 tap p99 | patroller's tap p50"
        " | patroller's tap p99 | push took | 429s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, pr in results.items():
        patrol = (
            f"{_ms(_p(pr.patrol_tap, 0.5))} | {_ms(_p(pr.patrol_tap, 0.99))}"
            if pr.patrol_tap
            else "- | -"
        )
        took = f"{pr.push_seconds:.1f} s" if key != "none" else "-"
        lines.append(
            f"| {names[key]} | {_ms(_p(pr.help_, 0.5))} | {_ms(_p(pr.help_, 0.99))}"
            f" | {_ms(_p(pr.tap, 0.5))} | {_ms(_p(pr.tap, 0.99))} | {patrol} | {took}"
            f" | {pr.refused} |"
        )
    return lines


def calibration_ms() -> float:
    """A 5-million-step Python loop: how fast this shared machine is right now (a virtual
    machine's neighbours can halve its speed), to read a run's numbers against."""
    start = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i
    return (time.perf_counter() - start) * 1000


def main() -> None:
    before = calibration_ms()
    print("issue 14: echo bot ceiling vs the project (50 users) ...")
    interactive, interactive_ratios = asyncio.run(_interactive())
    print("issue 14: answers during pushes ...")
    pushes = asyncio.run(_pushes())
    push_lines = _push_table(pushes)
    print("\n".join(push_lines))
    print("issue 14: records over one and five years ...")
    by_years = {y: asyncio.run(_records(y)) for y in (1, 5)}
    record_lines = _records_table(by_years)
    print("\n".join(record_lines))
    print("issue 14: photos ...")
    photos = _photos()
    print("issue 14: outbox poll ...")
    polls = [(y, asyncio.run(_outbox_poll(y))) for y in (0, 1, 5)]
    old = [(y, asyncio.run(_outbox_poll(y, old_index=True))) for y in (1, 5)]
    after = calibration_ms()
    out = [
        "# Benchmark results (issue 14)",
        "",
        f"Machine: {_machine()}.",
        f"Run at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `make bench`; the machine is shared,"
        " so numbers vary from run to run: a 5-million-step Python loop took"
        f" {before:.0f} ms before this run and {after:.0f} ms after it (the lower, the"
        " quieter the machine; about 200 ms when nothing else runs on this kind of machine).",
        "",
        "## Interactive: the project against a bare PTB echo bot",
        "",
        "Same fake Bot API server on 127.0.0.1 with Telegram's flood limits enforced (30"
        " messages a second: a 429 past that), the same rate limiter (the project's"
        f" `LanePacer`, 28 a second); {USERS} users x {ROUNDS} messages each, then"
        f" {LATENCY_N} round trips from one user.",
        "",
        *interactive,
        "",
        "## Answers while the bot pushes to everyone",
        "",
        f"One teacher's /help and one supervisor's 确认 tap, one after the other, while the"
        f" weekly menu goes to {TEACHERS} teachers or the morning checklist to {PATROLLERS}"
        " patrollers (each of their taps then refreshes the other copies, coalesced); in the"
        " patrol round also a patroller's tap on their checklist (time to the tap's answer)."
        " p99 of up to 30 probes, i.e. the slowest or next to slowest.",
        "",
        *push_lines,
        "",
        "## Records over the years",
        "",
        "Generated with bulk SQL inserts (`tests/reportdata.py`): per year 3,000 repairs,"
        " 5,000 purchase lines, 1,095 patrol rounds. Median of 7 (the outbox poll of 30, one"
        " new report of 20; the slow follow-ups once); the worst stall is the longest the"
        " event loop went without running a 5 ms ticker meanwhile (how long everyone else's"
        " updates would have waited).",
        "",
        *record_lines,
        "",
        "## Photos (normalised as a repair photo: upright, long side 1600, JPEG)",
        "",
        "| Picture | time (median of 5) | peak memory above baseline |",
        "|---|---|---|",
        *[f"| {n} | {_ms(t)} | {m:.0f} MiB |" for n, t, m in photos],
        "",
        "## Outbox poll (the due-rows query, median of 30)",
        "",
        f"Generated history: {OUTBOX_ROWS_PER_YEAR:,} sent rows a year, 5 waiting; not pruned"
        " (the daily prune keeps 90 days, so in the bot the table stays far smaller).",
        "",
        "| History | poll | before issue 14 (old index) |",
        "|---|---|---|",
        *[
            f"| {y} years | {_ms(t)} | {_ms(dict(old)[y]) if y in dict(old) else '-'} |"
            for y, t in polls
        ],
        "",
    ]
    out += _targets(interactive_ratios, photos, polls, pushes, by_years)
    # Only this section of RESULTS.md is ours: the report timings (issue 15) stay.
    block = "\n".join(out).rstrip()
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    start, end = "<!-- speed:start -->", "<!-- speed:end -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        tail = rest.split(end, 1)[1]
        text = f"{head}{start}\n{block}\n{end}{tail}"
    else:
        text = f"{text.rstrip()}\n\n{start}\n{block}\n{end}\n"
    RESULTS.write_text(text, encoding="utf-8")
    print("\n".join(out))
