"""Replies ahead of bulk work (issue 14): answers go in their own lane, pushes are paced
under Telegram's flood limits, a 429 on a push holds only pushes, and other people's copies
of a shared checklist are refreshed later, coalesced."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from bot.app import App
from bot.clock import FrozenClock
from bot.domain.messages import Lane, OutMessage
from bot.domain.roles import Role
from bot.sandbox.botapi import FloodLimits
from bot.telegram.outbox import deliver_due
from bot.telegram.pacing import LanePacer
from storage import outbox
from tests.conftest import Cast
from tests.fakebot import FakeTelegram, TgUser, buttons, message_text
from tests.fakebot.running import register, services, settled, tap_done
from tests.test_patrols_flow import at, checklist, run_round_job

PUSH_CHATS = range(5001, 5131)  # 130 teachers


async def queue_push(app: App, text: str) -> None:
    """The weekly menu to 130 teachers, queued as the Sunday job queues it (no update)."""
    svc = services(app)
    async with svc.db.transaction() as tx:
        for chat_id in PUSH_CHATS:
            await outbox.enqueue(tx, chat_id, OutMessage(text), ref=None, now=svc.now())
    svc.kick_outbox()


def pushed(tg: FakeTelegram, text: str) -> int:
    return sum(1 for m in tg.sent if m["chat"]["id"] in PUSH_CHATS and text in message_text(m))


async def test_rows_queued_by_a_job_wait_in_the_bulk_lane_and_answers_in_the_reply_lane(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await queue_push(bot, "下周食谱")
    waiting = await outbox.due(services(bot).db, services(bot).now(), limit=500, lane=Lane.BULK)
    assert len(waiting) + pushed(tg, "下周食谱") == len(PUSH_CHATS)
    await tg.send_text(people.teacher, "/help")
    await tg.message(people.teacher.id, "您可以")
    sent = await services(bot).db.fetchall(
        "SELECT lane FROM outbox WHERE chat_id = ? AND sent_at IS NOT NULL", (people.teacher.id,)
    )
    assert all(row["lane"] == Lane.REPLY for row in sent)


async def test_teacher_is_answered_while_a_menu_push_is_still_going_out(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    tg.flood = FloodLimits()  # Telegram's ~30 a second, with 429s past it
    await queue_push(bot, "下周食谱")
    await tg.send_text(people.teacher, "/help")
    await tg.message(people.teacher.id, "您可以", timeout=30)
    # Paced at 20 a second, 130 messages take over six seconds; the answer did not wait
    # its turn behind them (first come, first served it would come after nearly all).
    assert pushed(tg, "下周食谱") < len(PUSH_CHATS) // 2
    await tg.wait_for(lambda: pushed(tg, "下周食谱") == len(PUSH_CHATS), timeout=60)
    assert tg.flood.refused == 0  # paced below the limit: Telegram never had to refuse


async def test_a_429_on_a_push_holds_only_the_push(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    svc = services(bot)
    async with svc.db.transaction() as tx:
        push = await outbox.enqueue(
            tx, people.canteen.id, OutMessage("今日菜谱"), ref=None, now=svc.now()
        )
    tg.fail("sendMessage", status=429, retry_after=30)
    await deliver_due(bot.bot, svc, Lane.BULK)
    row = await svc.db.fetchone("SELECT sent_at, last_error FROM outbox WHERE id = ?", (push,))
    assert row is not None and row["sent_at"] is None and "429" in row["last_error"]
    # Thirty seconds of waiting for the pushes; an answer goes at once all the same.
    async with svc.db.transaction() as tx:
        await outbox.enqueue(
            tx, people.teacher.id, OutMessage("已收到"), ref=None, now=svc.now(), lane=Lane.REPLY
        )
    await deliver_due(bot.bot, svc, Lane.REPLY)
    await tg.message(people.teacher.id, "已收到")
    assert await outbox.due(svc.db, svc.now(), lane=Lane.BULK) == []  # still waiting
    clock.advance(timedelta(seconds=31))
    assert [p.id for p in await outbox.due(svc.db, svc.now(), lane=Lane.BULK)] == [push]


async def round_for_two(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> tuple[TgUser, dict[str, Any], dict[str, Any]]:
    """The morning round sent to two patrollers: the second one, and each one's copy."""
    second = TgUser(1016, "吴巡查")
    await register(services(bot), second, Role.PATROL)
    await run_round_job(bot, clock, at(7), "morning")
    mine = await checklist(tg, people, "早间巡查")
    return second, mine, await tg.message(second.id, "早间巡查")


async def test_other_copies_of_a_checklist_are_refreshed_later_with_the_latest_state(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    second, mine, theirs = await round_for_two(bot, tg, people, clock)
    for item in ("1.", "2.", "3."):
        await tap_done(tg, bot, people.patrol, mine, item)
        # The tapper's own copy shows each tap at once.
        assert buttons(tg.current(mine))[int(item[0]) - 1].startswith("✅")
    await settled(tg, bot, second.id)
    clock.advance(timedelta(seconds=5))  # past the coalescing pause
    await settled(tg, bot, second.id)
    assert [b[:1] for b in buttons(tg.current(theirs))[:4]] == ["✅", "✅", "✅", "未"]
    edits = [
        c
        for c in tg.calls_of("editMessageText")
        if c.params["chat_id"] == second.id and c.params["message_id"] == theirs["message_id"]
    ]
    assert len(edits) < 3  # coalesced: fewer edits than taps, the last one the latest state


async def test_a_late_refresh_never_puts_an_older_state_back_on_the_tappers_copy(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    second, mine, theirs = await round_for_two(bot, tg, people, clock)
    await tap_done(tg, bot, second, theirs, "1.")  # refreshes my copy (soon)
    await tap_done(tg, bot, second, theirs, "2.")  # a second refresh of mine waits its pause
    await tap_done(tg, bot, people.patrol, mine, "3.")  # I tap: my copy is drawn at once
    clock.advance(timedelta(seconds=5))
    await settled(tg, bot, people.patrol.id)
    assert [b[:1] for b in buttons(tg.current(mine))[:3]] == ["✅", "✅", "✅"]


async def test_bulk_work_leaves_room_for_replies_in_the_flood_budget() -> None:
    now = [100.0]
    pacer = LanePacer(overall=28, bulk=20, clock=lambda: now[0])
    for _ in range(20):
        await pacer._take(Lane.BULK, None)
    assert pacer._wait_needed(Lane.BULK, None) > 0  # bulk has had its share of the second
    assert pacer._wait_needed(Lane.REPLY, None) == 0  # an answer still goes now
    for _ in range(8):
        await pacer._take(Lane.REPLY, None)
    assert pacer._wait_needed(Lane.REPLY, None) > 0  # the whole budget is spent
    now[0] += 1.01
    assert pacer._wait_needed(Lane.BULK, None) == 0


async def test_pushes_to_a_group_keep_to_twenty_a_minute() -> None:
    now = [100.0]
    pacer = LanePacer(group_per_minute=19, clock=lambda: now[0])
    for _ in range(19):
        now[0] += 0.2
        await pacer._take(Lane.BULK, -100123)
    wait = pacer._wait_needed(Lane.BULK, -100123)
    assert 55 < wait <= 60
    assert pacer._wait_needed(Lane.BULK, -100999) == 0  # another group is not held
    assert pacer._wait_needed(Lane.REPLY, -100123) == 0  # someone's /menu in it still goes


async def test_a_reply_refused_with_429_is_retried_after_the_wait() -> None:
    calls: list[int] = []

    async def send() -> bool:
        from telegram.error import RetryAfter

        calls.append(1)
        if len(calls) == 1:
            raise RetryAfter(0)
        return True

    pacer = LanePacer()
    result = await asyncio.wait_for(
        pacer.process_request(send, (), {}, "sendMessage", {"chat_id": 1}, None), 5
    )
    assert result is True and len(calls) == 2
