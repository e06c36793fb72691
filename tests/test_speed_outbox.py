"""The outbox stays fast over years: the poll reads an index, old sent rows are pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import App
from bot.clock import FrozenClock, to_db
from bot.domain.messages import Lane, OutMessage
from bot.telegram.outbox import deliver_due
from jobs.retention import OUTBOX
from storage import outbox
from storage.db import Database
from tests.conftest import Cast
from tests.fakebot import FakeTelegram
from tests.fakebot.running import services


async def _fill_history(db: Database, sent: int, pending: int) -> None:
    """``sent`` delivered rows (years of history) and ``pending`` waiting ones."""
    start = datetime(2021, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(sent + pending):
        at = to_db(start + timedelta(minutes=i))
        rows.append((1000 + i % 130, "{}", at, at, at if i < sent else None))
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO outbox (chat_id, kind, payload, created_at, next_attempt_at, sent_at)"
            " VALUES (?, 'message', ?, ?, ?, ?)",
            rows,
        )


async def test_outbox_poll_reads_only_pending_rows_whatever_the_history(tmp_path: Path) -> None:
    db = Database(tmp_path / "bot.db")
    await db.open()
    try:
        await _fill_history(db, sent=20_000, pending=3)
        for statistics in (False, True):  # the bot never runs ANALYZE; either way
            if statistics:
                await db.conn.execute("ANALYZE")
            now = to_db(datetime.now(UTC))
            for lane in Lane:
                plan = await db.fetchall(
                    "EXPLAIN QUERY PLAN " + outbox.DUE_SQL, (int(lane), now, now, 50)
                )
                details = [str(r["detail"]) for r in plan]
                assert any("INDEX outbox_due" in d for d in details), details
                assert not any("TEMP B-TREE" in d for d in details), details
                # The per-chat order check reads pending rows too, never the whole history.
                assert not any(d.startswith("SCAN") and "INDEX" not in d for d in details), details
        due = await outbox.due(db, datetime(2030, 1, 1, tzinfo=UTC))
        assert len(due) == 3
    finally:
        await db.close()


async def test_sent_notifications_are_forgotten_after_90_days_and_pending_ones_kept(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    svc = services(bot)
    async with svc.db.transaction() as tx:
        old = await outbox.enqueue(
            tx, people.supervisor.id, OutMessage("新报修单 #1"), ref="repair:1", now=svc.now()
        )
    await deliver_due(bot.bot, svc)
    message = await tg.message(people.supervisor.id, "新报修单 #1")
    clock.advance(timedelta(days=60))
    async with svc.db.transaction() as tx:
        recent = await outbox.enqueue(
            tx, people.supervisor.id, OutMessage("新报修单 #2"), ref="repair:2", now=svc.now()
        )
    await deliver_due(bot.bot, svc)
    await tg.message(people.supervisor.id, "新报修单 #2")
    tg.fail("sendMessage", status=502, times=10)
    async with svc.db.transaction() as tx:
        waiting = await outbox.enqueue(
            tx, people.teacher.id, OutMessage("您的报修已受理"), ref="repair:3", now=svc.now()
        )
    await deliver_due(bot.bot, svc)  # refused: still waiting
    clock.advance(timedelta(days=31))
    (job,) = bot.job_queue.get_jobs_by_name(OUTBOX.job_name) if bot.job_queue else ()
    await job.run(bot)
    left = {r["id"] for r in await svc.db.fetchall("SELECT id FROM outbox")}
    assert left == {recent, waiting}
    assert old not in left
    # A reply to the pruned notification still finds what it was about.
    assert (
        await outbox.ref_for_message(svc.db, people.supervisor.id, message["message_id"])
        == "repair:1"
    )
