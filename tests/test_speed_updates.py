"""One slow update does not hold up other chats; one chat's updates stay in order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import Chat, Message, Update, User

from bot.app import App
from bot.updates import PerChatInOrder
from tests.conftest import Cast
from tests.fakebot import FakeTelegram
from tests.fakebot.running import services
from tests.images import jpeg_bytes


def _hold_photo_downloads(tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Photo downloads wait until the returned event is set: a photo report stays slow for
    as long as the test likes, with no timing involved."""
    release = asyncio.Event()
    real = tg._m_getFile

    async def held(p: dict[str, Any], f: dict[str, bytes]) -> Any:
        await release.wait()
        return await real(p, f)

    monkeypatch.setattr(tg, "_m_getFile", held)
    return release


def _index_of(tg: FakeTelegram, chat_id: int, text: str) -> int:
    return next(
        i
        for i, m in enumerate(tg.sent)
        if m["chat"]["id"] == chat_id and text in (m.get("text") or m.get("caption") or "")
    )


async def test_help_in_another_chat_is_answered_while_a_photo_report_is_slow(
    bot: App, tg: FakeTelegram, people: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = _hold_photo_downloads(tg, monkeypatch)
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="教学楼302教室 门锁坏了")
    await tg.wait_for(lambda: tg.calls_of("getFile"))  # the report is stuck downloading
    await tg.send_text(people.supervisor, "/help")
    await tg.message(people.supervisor.id, "您可以")
    assert not any("已提交" in (m.get("text") or "") for m in tg.sent)  # still downloading
    release.set()
    await tg.message(people.teacher.id, "已提交")
    assert _index_of(tg, people.supervisor.id, "您可以") < _index_of(
        tg, people.teacher.id, "已提交"
    )


async def test_one_chats_messages_are_still_handled_in_the_order_sent(
    bot: App, tg: FakeTelegram, people: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = _hold_photo_downloads(tg, monkeypatch)
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="食堂 水龙头漏水")
    await tg.wait_for(lambda: tg.calls_of("getFile"))
    help_update = await tg.send_text(people.teacher, "/help")
    db = services(bot).db

    async def received() -> bool:
        return await db.fetchval("SELECT COUNT(*) FROM inbox WHERE payload LIKE '%/help%'") == 1

    for _ in range(1000):  # until the bot has the /help in hand, waiting its turn
        if await received():
            break
        await asyncio.sleep(0.01)
    assert await received()
    assert help_update is not None
    release.set()
    await tg.message(people.teacher.id, "您可以")
    await tg.message(people.teacher.id, "已提交")
    assert _index_of(tg, people.teacher.id, "已提交") < _index_of(tg, people.teacher.id, "您可以")


def _text_update(update_id: int, chat_id: int, text: str) -> Update:
    user = User(chat_id, "老师", is_bot=False)
    chat = Chat(chat_id, Chat.PRIVATE)
    message = Message(update_id, datetime.now(UTC), chat, from_user=user, text=text)
    return Update(update_id, message=message)


async def test_a_burst_in_one_chat_waits_its_turn_without_holding_up_other_chats() -> None:
    processor = PerChatInOrder(max_concurrent_updates=2)
    hold = asyncio.Event()
    handled: list[str] = []
    other_chat_done = asyncio.Event()

    async def handle(update: Update) -> None:
        assert update.message is not None and update.message.text is not None
        if update.message.text == "慢":
            await hold.wait()
        handled.append(update.message.text)
        if update.message.chat.id == 2:
            other_chat_done.set()

    burst = [_text_update(1, 1, "慢")] + [_text_update(i, 1, f"第{i}条") for i in range(2, 7)]
    other = _text_update(7, 2, "/help")
    tasks = [asyncio.create_task(processor.process_update(u, handle(u))) for u in [*burst, other]]
    await asyncio.wait_for(other_chat_done.wait(), timeout=10)
    assert handled == ["/help"]  # chat 1 is still on its slow first message
    hold.set()
    await asyncio.gather(*tasks)
    assert handled == ["/help", "慢", "第2条", "第3条", "第4条", "第5条", "第6条"]
    assert processor.keys_in_flight == 0
