"""Durable receiving and acknowledgements (issue 13): an update is either handled or still
deliverable after a kill, it is handled once, and what the bot says is saved is said even
when the bot dies between the commit and the reply."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from bot.domain.roles import Role
from tests.conftest import Cast
from tests.fakebot import FakeTelegram, message_text
from tests.fakebot.running import register, running_bot, services, settled
from tests.images import jpeg_bytes
from tests.test_durability_qa import crash_copy


def _db(settings: Settings) -> sqlite3.Connection:
    conn = sqlite3.connect(settings.db_path)
    conn.row_factory = sqlite3.Row
    return conn


def _sent_count(settings: Settings) -> int:
    with _db(settings) as conn:
        return int(
            conn.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL").fetchone()[0]
        )


async def test_update_fetched_but_not_handled_before_a_kill_is_handled_at_the_next_start(
    settings: Settings, clock: FrozenClock, tg: FakeTelegram, people: Cast
) -> None:
    async with running_bot(settings, clock) as app:
        await register(services(app), people.purchaser, Role.PURCHASER)
    # The kill came right after the update was written to the inbox (and Telegram was
    # told it had arrived): it is only in our inbox now.
    update = {
        "update_id": 900,
        "message": {
            "message_id": 77,
            "date": 1_790_000_000,
            "chat": {"id": people.purchaser.id, "type": "private", "first_name": "张采购"},
            "from": people.purchaser.to_dict(),
            "text": "/purchase\n猪肉 20斤 13.5",
            "entities": [{"type": "bot_command", "offset": 0, "length": 9}],
        },
    }
    with _db(settings) as conn:
        conn.execute(
            "INSERT INTO inbox (update_id, payload, received_at) VALUES (900, ?, '2026-11-23')",
            (json.dumps(update),),
        )
    async with running_bot(settings, clock) as app:
        preview = await tg.message(people.purchaser.id, "采购单草稿")
        assert "猪肉 20斤" in message_text(preview)
    with _db(settings) as conn:
        handled = conn.execute("SELECT handled_at FROM inbox WHERE update_id = 900").fetchone()
        assert handled[0] is not None
        assert conn.execute("SELECT COUNT(*) FROM purchase_lines").fetchone()[0] == 1


async def test_update_delivered_again_after_a_kill_is_handled_once(
    settings: Settings, clock: FrozenClock, tg: FakeTelegram, people: Cast
) -> None:
    async with running_bot(settings, clock) as app:
        await register(services(app), people.purchaser, Role.PURCHASER)
        sent = await tg.send_text(people.purchaser, "/purchase\n猪肉 20斤 13.5")
        await tg.message(people.purchaser.id, "采购单草稿")
        await tg.send_text(people.purchaser, "/help")
        await tg.message(people.purchaser.id)
    # Killed before the next getUpdates confirmed it: Telegram sends the update again.
    update_id = next(u for u, v in tg.pushed.items() if v.get("message") is sent)
    await tg.redeliver(update_id)
    async with running_bot(settings, clock):
        await tg.send_text(people.purchaser, "白菜 50斤 1.2")
        preview = await tg.shown(people.purchaser.id, "2. 白菜")
        # One pork line, not two: the redelivered update changed nothing.
        assert "2. 白菜 50斤" in message_text(preview) and "3. " not in message_text(preview)


async def test_report_is_acknowledged_after_a_crash_between_commit_and_reply(
    settings: Settings, clock: FrozenClock, tg: FakeTelegram, people: Cast, tmp_path: Path
) -> None:
    async with running_bot(settings, clock) as app:
        await register(services(app), people.teacher, Role.STAFF)
        await register(services(app), people.supervisor, Role.SUPERVISOR)
        # Telegram refuses every text message for a while: the supervisor's card (a photo)
        # goes out, the teacher's 「已提交」 does not, and then the bot dies.
        tg.fail("sendMessage", status=502, times=1000)
        await tg.send_photo(people.teacher, jpeg_bytes(), caption="教学楼302教室 门锁坏了")
        await tg.message(people.supervisor.id, "新报修")
        await tg.wait_for(lambda: _sent_count(settings) == 1)  # the card is recorded as sent
        crashed = crash_copy(settings, tmp_path / "after_crash")
    tg._failures.clear()
    clock.advance(timedelta(minutes=1))  # the retry is due
    async with running_bot(crashed, clock):
        ack = await tg.message(people.teacher.id, "已提交")
        assert "报修单 #1" in message_text(ack)
    with sqlite3.connect(crashed.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM repairs").fetchone()[0] == 1
    assert tg.repeats() == []


async def test_notification_that_may_have_arrived_before_a_kill_is_resent_marked_as_a_repeat(
    settings: Settings, clock: FrozenClock, tg: FakeTelegram, people: Cast
) -> None:
    async with running_bot(settings, clock) as app:
        await register(services(app), people.teacher, Role.STAFF)
        await register(services(app), people.supervisor, Role.SUPERVISOR)
        await tg.send_photo(people.teacher, jpeg_bytes(), caption="教学楼302教室 门锁坏了")
        card = await tg.message(people.supervisor.id, "新报修")
        await tg.wait_for(lambda: _sent_count(settings) == 2)
    # Killed after Telegram took the card and before it was recorded as sent.
    with _db(settings) as conn:
        conn.execute(
            "UPDATE outbox SET sent_at = NULL, sending_at = '2026-11-23T01:00:00+00:00'"
            " WHERE chat_id = ?",
            (people.supervisor.id,),
        )
    async with running_bot(settings, clock):
        again = await tg.message(people.supervisor.id, "新报修")
    assert "重发" in message_text(again) and "重发" not in message_text(card)
    [copies] = tg.repeats()
    assert copies == [card, again]
    # Harmless: both copies carry the same buttons, and a tap checks the ticket's state.
    assert again["reply_markup"] == card["reply_markup"]


async def test_repair_number_too_big_for_the_database_is_simply_not_found(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "/repair 99999999999999999999")
    reply = await tg.message(people.teacher.id)
    assert message_text(reply) == "没有找到这张报修单。"
    await tg.send_text(people.teacher, "/repair #9223372036854775808")
    assert message_text(await tg.message(people.teacher.id)) == "没有找到这张报修单。"
    # A forged button with such an id is a stale button, not an error.
    await tg.send_text(people.supervisor, "/help")
    card = await tg.message(people.supervisor.id)
    query = await tg.tap_data(people.supervisor, card, "repair:acc:99999999999999999999")
    assert "失效" in (await tg.answer(query))["text"]
    await tg.send_text(people.admin, "/help")
    assert "出错" not in message_text(await tg.message(people.admin.id))  # no alert before it


async def test_handled_updates_are_pruned_after_a_week_and_unhandled_ones_kept(
    tmp_path: Path,
) -> None:
    from datetime import UTC, datetime

    from storage import inbox
    from storage.db import Database

    db = Database(tmp_path / "houqin.sqlite3")
    await db.open()
    try:
        start = datetime(2026, 11, 1, tzinfo=UTC)
        for update_id in (1, 2, 3):
            await inbox.record(db, update_id, {"update_id": update_id}, start)
        await inbox.mark_handled(db, 1, start)
        await inbox.mark_handled(db, 2, start + timedelta(days=6))
        assert await inbox.prune(db, start + timedelta(days=3)) == 1
        assert [u["update_id"] for u in await inbox.unhandled(db)] == [3]
        assert not await inbox.is_handled(db, 1) and await inbox.is_handled(db, 2)
    finally:
        await db.close()


@pytest.mark.expect_errors  # giving the update up is logged as an error on purpose
async def test_update_that_never_finishes_is_given_up_after_three_starts(
    settings: Settings, clock: FrozenClock, tg: FakeTelegram, people: Cast
) -> None:
    async with running_bot(settings, clock) as app:
        await register(services(app), people.purchaser, Role.PURCHASER)
    update = {
        "update_id": 901,
        "message": {
            "message_id": 78,
            "date": 1_790_000_000,
            "chat": {"id": people.purchaser.id, "type": "private", "first_name": "张采购"},
            "from": people.purchaser.to_dict(),
            "text": "/purchase\n猪肉 20斤 13.5",
            "entities": [{"type": "bot_command", "offset": 0, "length": 9}],
        },
    }
    with _db(settings) as conn:  # it killed the bot at each of the last three starts
        conn.execute(
            "INSERT INTO inbox (update_id, payload, received_at, replays)"
            " VALUES (901, ?, '2026-11-23', 3)",
            (json.dumps(update),),
        )
    async with running_bot(settings, clock):
        await tg.send_text(people.purchaser, "/help")
        assert "采购单草稿" not in message_text(await tg.message(people.purchaser.id))
    with _db(settings) as conn:
        assert conn.execute("SELECT handled_at FROM inbox WHERE update_id = 901").fetchone()[0]
        assert conn.execute("SELECT COUNT(*) FROM purchases").fetchone()[0] == 0


async def test_the_bot_prunes_handled_updates_a_week_old_on_its_schedule(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    from jobs.retention import INBOX

    await tg.send_text(people.teacher, "/help")
    await tg.message(people.teacher.id, "您可以")
    await settled(tg, bot, people.teacher.id)  # marked handled (the sentinel's tap too)
    svc = services(bot)
    assert await svc.db.fetchval("SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL") == 0
    (job,) = bot.job_queue.get_jobs_by_name(INBOX.job_name) if bot.job_queue else ()
    clock.advance(timedelta(days=6))
    await job.run(bot)
    assert await svc.db.fetchval("SELECT COUNT(*) FROM inbox") == 2  # kept a week
    clock.advance(timedelta(days=2))
    await job.run(bot)
    assert await svc.db.fetchval("SELECT COUNT(*) FROM inbox") == 0
