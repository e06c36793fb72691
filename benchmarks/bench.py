"""Benchmarks (not tests): how fast the hot paths are on this machine.

    make bench

- parsing purchase lines (a market morning's message, many times over)
- normalising a 12 MP phone photo (runs in a worker thread in the bot)
- one message through the real Application and the fake Bot API server over HTTP
  (update in -> reply out), median of many round trips
- /report year (numbers, chart, drafted .docx) and /export all year (.xlsx) over one year
  and five years of a large school's records (per year 3,000 repairs, 5,000 purchase lines,
  1,095 patrol rounds), generated with bulk SQL inserts
- issue 14 (benchmarks/speed.py): the project against a bare PTB echo bot with the same
  rate limiter, photos' time and peak memory, the outbox poll over years of history;
  written to benchmarks/RESULTS.md
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bot.clock import FrozenClock
from bot.config import Settings
from bot.domain.purchases import parse_lines
from bot.domain.roles import Role
from bot.render.images import normalize_image
from bot.services import reports
from bot.services.container import Services
from storage.db import Database
from tests.conftest import SHANGHAI
from tests.fakebot import FakeTelegram, TgUser
from tests.fakebot.running import add_person, register, running_bot, services
from tests.images import jpeg_bytes
from tests.reportdata import generate_school

LINES = "\n".join(
    ["猪肉 20斤 13.5", "白菜 50斤 1.2", "鸡蛋 3.3斤 4.1", "大米 2袋 共300元", "牛肉　１０斤　３８"]
    * 4
)


def bench(name: str, func: object, repeat: int) -> None:
    assert callable(func)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    print(f"{name:<44} median {statistics.median(times) * 1000:8.2f} ms   (n={repeat})")


async def round_trips(n: int) -> None:
    fake = FakeTelegram()
    await fake.start()
    teacher = TgUser(1, "孙老师")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(token=fake.token, api_server=fake.url, data_dir=Path(tmp))
        async with running_bot(settings) as app:
            await register(services(app), teacher, Role.STAFF)
            times = []
            for _ in range(n):
                start = time.perf_counter()
                await fake.send_text(teacher, "/help")
                await fake.message(teacher.id, "您可以")
                times.append(time.perf_counter() - start)
    await fake.stop()
    print(
        f"{'/help round trip over HTTP (update -> reply)':<44} median "
        f"{statistics.median(times) * 1000:8.2f} ms   (n={n})"
    )


async def report_year(years: int, repeat: int = 3) -> None:
    """The year's report and export when the database holds ``years`` years: the cost
    should follow the year's records, not the size of the database."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(token="123456:" + "A" * 30, data_dir=Path(tmp))
        db = Database(settings.db_path)
        await db.open()
        try:
            start = time.perf_counter()
            await generate_school(db, 2027 - years, years)
            generated = time.perf_counter() - start
            rows = await db.fetchval(
                "SELECT (SELECT COUNT(*) FROM repairs) + (SELECT COUNT(*) FROM purchase_lines)"
                " + (SELECT COUNT(*) FROM patrol_rounds) + (SELECT COUNT(*) FROM patrol_checks)"
            )
            print(f"{f'generate {years} year(s) ({rows:,} rows)':<44} {generated * 1000:8.0f} ms")
            clock = FrozenClock(datetime(2026, 12, 31, 20, 0, tzinfo=SHANGHAI))
            svc = Services(settings=settings, db=db, clock=clock)
            boss = await add_person(svc, 1, "王校长", Role.ADMIN)
            for name, run in (
                ("/report year", lambda: reports.report(svc, "year", by=boss)),
                ("/export all year", lambda: reports.export(svc, "all", "year", by=boss)),
            ):
                times = []
                for _ in range(repeat):
                    begin = time.perf_counter()
                    await run()
                    times.append(time.perf_counter() - begin)
                label = f"{name} ({years} year(s) in the database)"
                median = statistics.median(times) * 1000
                print(f"{label:<44} median {median:8.0f} ms   (n={repeat})")
        finally:
            await db.close()


def machine_load() -> None:
    """The machine is shared: how busy it is now, to read the numbers below against."""
    from benchmarks.speed import calibration_ms

    loop = calibration_ms()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{'(calibration) 5M-step Python loop':<44} {loop:8.0f} ms   load average {load:.1f}")


def main() -> None:
    machine_load()
    bench("parse 20 purchase lines", lambda: parse_lines(LINES), 500)
    photo = jpeg_bytes(4000, 3000)
    bench("normalise a 4000x3000 JPEG", lambda: normalize_image(photo), 10)
    asyncio.run(round_trips(100))
    for years in (1, 5):
        asyncio.run(report_year(years))
    from benchmarks import speed  # after the quick ones: it takes a minute or two

    speed.main()


if __name__ == "__main__":
    main()
