"""One slow update does not hold up other chats; one chat's updates stay in order."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.app import App
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
