"""What people notice at the edges of the foundation: edits, groups, wording."""

from __future__ import annotations

from decimal import Decimal

from bot.app import App
from storage import purchases as purchase_repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram
from tests.fakebot.running import services


async def test_editing_a_sent_purchase_line_does_not_add_it_twice(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.purchaser, "/purchase")
    await tg.message(people.purchaser.id, "采购明细")
    line = await tg.send_text(people.purchaser, "猪肉 20斤 13.5")
    await tg.message(people.purchaser.id, "合计 270.00 元")
    await tg.edit_text(people.purchaser, line, "猪肉 20斤 15.5")
    hint = await tg.message(people.purchaser.id, "不会生效")
    assert "改 行号" in hint["text"]
    draft = await purchase_repo.get(services(bot).db, 1)
    assert draft is not None and len(draft.lines) == 1
    assert draft.total == Decimal("270")


async def test_edited_message_from_a_teacher_gets_a_plain_hint(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    sent = await tg.send_text(people.teacher, "你好")
    await tg.message(people.teacher.id, "没看懂")
    await tg.edit_text(people.teacher, sent, "/help")
    hint = await tg.message(people.teacher.id, "不会生效")
    assert "采购" not in hint["text"]
    assert await tg.quiet(people.teacher.id, 0.3) == []  # /help was not run from the edit
