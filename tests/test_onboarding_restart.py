"""Join requests live in the database: an admin may tap 同意 after the bot restarted."""

from __future__ import annotations

import re

from bot.clock import FrozenClock
from bot.config import Settings
from bot.domain.roles import Role
from storage import people as people_repo
from tests.conftest import Cast
from tests.fakebot import BOT_USERNAME, FakeTelegram, TgUser, message_text
from tests.fakebot.running import register, running_bot, services

LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=([A-Za-z0-9_-]+)")


async def test_admin_approves_a_join_request_after_a_restart(
    settings: Settings, clock: FrozenClock, tg: FakeTelegram, people: Cast
) -> None:
    newcomer = TgUser(30001, "吴老师", "wu_t")
    async with running_bot(settings, clock) as app:
        await register(services(app), people.admin, Role.ADMIN)
        await tg.send_text(people.admin, "/invite 巡查员 5 2天")
        match = LINK.search(message_text(await tg.message(people.admin.id, "共用链接")))
        assert match
        await tg.send_text(newcomer, f"/start {match.group(1)}")
        await tg.message(newcomer.id, "等待")
        request = await tg.message(people.admin.id, "吴老师（@wu_t）申请加入为巡查员")
    async with running_bot(settings, clock) as app:
        await tg.answer(await tg.tap(people.admin, request, "同意"))
        await tg.message(newcomer.id, "申请已通过")
        person = await people_repo.get(services(app).db, newcomer.id)
        assert person is not None and person.roles == {Role.PATROL}
        await tg.send_text(newcomer, "/start")
        keys = tg.keyboard(await tg.message(newcomer.id, "您可以"))
        assert "📋 巡查记录" in keys
