"""Benchmarks (not tests): how fast the hot paths are on this machine.

    make bench

- parsing purchase lines (a market morning's message, many times over)
- normalising a 12 MP phone photo (runs in a worker thread in the bot)
- one message through the real Application and the fake Bot API server over HTTP
  (update in -> reply out), median of many round trips
- issue 14 (benchmarks/speed.py): the project against a bare PTB echo bot with the same
  rate limiter, photos' time and peak memory, the outbox poll over years of history;
  written to benchmarks/RESULTS.md
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.config import Settings
from bot.domain.purchases import parse_lines
from bot.domain.roles import Role
from bot.render.images import normalize_image
from tests.fakebot import FakeTelegram, TgUser
from tests.fakebot.running import register, running_bot, services
from tests.images import jpeg_bytes

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


def main() -> None:
    bench("parse 20 purchase lines", lambda: parse_lines(LINES), 500)
    photo = jpeg_bytes(4000, 3000)
    bench("normalise a 4000x3000 JPEG", lambda: normalize_image(photo), 10)
    asyncio.run(round_trips(100))
    from benchmarks import speed  # after the quick ones: it takes a minute or two

    speed.main()


if __name__ == "__main__":
    main()
