"""Fixtures: a fake Telegram on 127.0.0.1, settings pointing at it, and the running bot.

Typical flow test::

    async def test_x(bot, tg, people):
        await tg.send_text(people.teacher, "/help")
        reply = await tg.message(people.teacher.id, "您可以")
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from bot.domain.roles import Role
from tests.fakebot import FakeTelegram, TgUser
from tests.fakebot.running import register, running_bot, services

SHANGHAI = ZoneInfo("Asia/Shanghai")


class _ErrorRecords(logging.Handler):
    """Collects every ERROR (or worse) logged anywhere while a test runs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not _client_hung_up(record):
            self.records.append(record)


def _client_hung_up(record: logging.LogRecord) -> bool:
    """The fake Telegram's HTTP server logs a client that closes the connection mid-request;
    the bot does that on purpose when it stops polling at shutdown. Not an error of ours."""
    error = record.exc_info[1] if record.exc_info else None
    return record.name == "aiohttp.server" and isinstance(error, ConnectionResetError)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "expect_errors: the test provokes an ERROR log on purpose (it is not a failure)"
    )


@pytest.fixture(autouse=True)
def no_logged_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """A logged ERROR fails the test unless it is marked ``expect_errors``: an error nobody
    asserts on (a lock bound to another event loop, a crashed job) would otherwise pass.
    Autouse and without dependencies, so it is set up first and torn down last: errors
    logged while the bot shuts down count too."""
    handler = _ErrorRecords()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    if handler.records and request.node.get_closest_marker("expect_errors") is None:
        logged = "\n".join(
            f"{r.name}: {r.getMessage()}" + (f" ({r.exc_info[1]!r})" if r.exc_info else "")
            for r in handler.records
        )
        pytest.fail(f"ERROR logged during the test:\n{logged}", pytrace=False)


@dataclass(frozen=True)
class Cast:
    """The people of the school in tests (private chat id == user id)."""

    admin: TgUser = TgUser(1001, "王校长", "wang_admin")
    supervisor: TgUser = TgUser(1002, "李监督", "li_sup")
    supervisor2: TgUser = TgUser(1008, "赵监督")
    purchaser: TgUser = TgUser(1003, "张采购")
    repairer: TgUser = TgUser(1004, "刘师傅")
    canteen: TgUser = TgUser(1005, "陈食堂")
    patrol: TgUser = TgUser(1006, "周巡查")
    teacher: TgUser = TgUser(1007, "孙老师", "sun_t")
    stranger: TgUser = TgUser(6666, "路人甲")


@pytest.fixture
def people() -> Cast:
    return Cast()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
def clock() -> FrozenClock:
    """Monday 2026-11-23 09:00 in Shanghai, moving only when a test says so."""
    return FrozenClock(datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture
def settings(tg: FakeTelegram, tmp_path: Path, people: Cast) -> Settings:
    return Settings(
        token=tg.token,
        api_server=tg.url,
        data_dir=tmp_path / "data",
        admin_ids=frozenset({people.admin.id}),
    )


@pytest.fixture
async def bot(settings: Settings, clock: FrozenClock, people: Cast) -> AsyncIterator[App]:
    """The running bot with the whole cast registered in their roles."""
    async with running_bot(settings, clock) as app:
        svc = services(app)
        await register(svc, people.admin, Role.ADMIN)
        await register(svc, people.supervisor, Role.SUPERVISOR)
        await register(svc, people.supervisor2, Role.SUPERVISOR)
        await register(svc, people.purchaser, Role.PURCHASER)
        await register(svc, people.repairer, Role.REPAIRER)
        await register(svc, people.canteen, Role.CANTEEN)
        await register(svc, people.patrol, Role.PATROL)
        await register(svc, people.teacher, Role.STAFF)
        yield app
