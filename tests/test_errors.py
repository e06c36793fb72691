"""When something breaks inside a handler, the user hears it plainly and admins are told."""

from __future__ import annotations

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot.app import App
from bot.context import BotContext
from tests.conftest import Cast
from tests.fakebot import FakeTelegram


@pytest.mark.expect_errors  # the handler that crashes on purpose is logged as an ERROR
async def test_unexpected_error_is_explained_to_user_and_admins_are_alerted(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    async def broken(update: Update, context: BotContext) -> None:
        raise ValueError("disk on fire")

    bot.add_handler(CommandHandler("boom", broken), group=-1)
    await tg.send_text(people.teacher, "/boom")
    assert "出了点问题" in (await tg.message(people.teacher.id, "出了点问题"))["text"]
    alert = await tg.message(people.admin.id, "出错")
    assert "disk on fire" in alert["text"]
    # The bot keeps running.
    await tg.send_text(people.teacher, "/help")
    await tg.message(people.teacher.id, "您可以")
