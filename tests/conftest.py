"""Fixtures: a fake Telegram on 127.0.0.1, settings pointing at it, and the running bot.

Typical flow test::

    async def test_x(bot, tg, people):
        await tg.send_text(people.teacher, "/help")
        reply = await tg.message(people.teacher.id, "您可以")
"""

from __future__ import annotations

from collections.abc import AsyncIterator
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
