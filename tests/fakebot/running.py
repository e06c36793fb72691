"""Start and stop the real Application the way ``run_polling`` does, inside a test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.app import App, build_application
from bot.clock import Clock
from bot.config import Settings
from bot.context import services_of
from bot.domain.people import Person
from bot.domain.roles import Role
from bot.sandbox.botapi import FakeTelegram, TgUser
from bot.services.container import Services
from bot.telegram.outbox import deliver_due
from bot.updates import PerChatInOrder
from storage import people


@asynccontextmanager
async def running_bot(settings: Settings, clock: Clock | None = None) -> AsyncIterator[App]:
    app = build_application(settings, clock=clock)
    await app.initialize()
    try:
        assert app.post_init is not None
        await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
    finally:
        # The order of run_polling: shutdown (flushes persistence), then post_shutdown.
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


async def add_person(svc: Services, user_id: int, name: str, *roles: Role) -> Person:
    """Test set-up shortcut: a person who already accepted an invite for ``roles``."""
    now = svc.now()
    async with svc.db.transaction() as tx:
        await people.upsert(tx, user_id=user_id, name=name, username=None, chat_id=user_id,
                            now=now)  # fmt: skip
        for role in roles:
            await people.grant(tx, user_id, role, by=None, now=now)
    found = await people.get(svc.db, user_id)
    assert found is not None
    return found


async def register(svc: Services, user: TgUser, *roles: Role) -> None:
    """The same for a user of the fake Telegram (keeps their @username)."""
    await add_person(svc, user.id, user.full_name, *roles)
    if user.username:
        await people.update_contact(svc.db, user.id, user.full_name, user.username, user.id)


def services(app: App) -> Services:
    return services_of(app)


# Not registered: the gate answers every button tap of a stranger (at worst with an empty
# answer), so a tap from here always comes back, and it sends nothing to any chat.
SENTINEL = TgUser(990_001, "哨兵")


async def settled(tg: FakeTelegram, app: App, chat_id: int) -> list[dict[str, Any]]:
    """What the bot sent to ``chat_id`` that no test has consumed yet, once it has handled
    every update sent so far and delivered every notification due: the way to check that
    the bot said nothing, without sleeping. Updates of one chat are handled in order and
    other chats' side by side (bot/updates.py), so once the sentinel's tap is answered the
    bot waits until no update is queued or in hand; the outbox rows those updates (or a job
    the test ran) wrote are then sent (under the sender's lock, so a delivery already under
    way finishes first)."""
    chat = {"id": SENTINEL.id, "type": "private", "first_name": SENTINEL.first_name}
    query_id = await tg.tap_data(
        SENTINEL, {"message_id": 1, "date": 0, "chat": chat}, "sentinel:ping"
    )
    await tg.answer(query_id)
    processor = app.update_processor
    if isinstance(processor, PerChatInOrder):
        await processor.wait_idle()
    await deliver_due(app.bot, services(app))
    return [
        m for i, m in enumerate(tg.sent) if i not in tg._consumed and m["chat"]["id"] == chat_id
    ]


async def tap_done(tg: FakeTelegram, app: App, user: TgUser, message: dict[str, Any],
                   label: str) -> dict[str, Any]:  # fmt: skip
    """Tap ``label`` and wait for the answer and for the rest of that tap's handling (a
    checklist is redrawn after the tapper is answered); returns the answer."""
    answer = await tg.answer(await tg.tap(user, message, label))
    processor = app.update_processor
    if isinstance(processor, PerChatInOrder):
        await processor.wait_idle()
    return answer
