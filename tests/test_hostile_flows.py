"""Hostile input that needs more than one message: refused captions, taps on someone else's
records, and two supervisors deciding the same purchase at the same instant."""

from __future__ import annotations

import asyncio

from bot.app import App
from bot.callbacks import encode
from bot.domain.errors import DomainError
from bot.services import purchases as purchase_service
from storage import people as people_repo
from storage import purchases as purchase_repo
from storage import repairs as repair_repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram, message_text
from tests.fakebot.running import services
from tests.images import jpeg_bytes
from tests.test_purchases_flow import submit


async def _repairs(app: App) -> int:
    return int(await services(app).db.fetchval("SELECT COUNT(*) FROM repairs") or 0)


async def test_photo_with_a_caption_too_long_is_kept_and_the_user_is_asked(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="门锁坏了" * 256)
    refused = message_text(await tg.message(people.teacher.id, "太长"))
    assert "照片已保留" in refused and "/cancel" in refused
    assert await _repairs(bot) == 0
    await tg.send_text(people.teacher, "教学楼302教室 门锁坏了")
    await tg.message(people.teacher.id, "已提交")
    assert len(await repair_repo.photos(services(bot).db, 1)) == 1


async def test_a_refused_photo_never_joins_the_next_report_unannounced(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="🔧🔧🔧")
    await tg.message(people.teacher.id, "说明里没有文字")
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="食堂一楼 洗手池下水道堵塞")
    await tg.message(people.teacher.id, "已提交")
    told = await tg.message(people.teacher.id, "还在等说明")
    assert "没有放进这张报修单" in message_text(told)
    assert len(await repair_repo.photos(services(bot).db, 1)) == 1  # only its own photo
    await tg.send_text(people.teacher, "/cancel")  # the user drops the waiting photo
    await tg.message(people.teacher.id, "已取消")
    await tg.send_text(people.teacher, "你好")  # a greeting now, not the photo's description
    await tg.message(people.teacher.id, "您可以")
    assert await _repairs(bot) == 1


async def test_two_supervisors_tapping_confirm_at_the_same_instant_exactly_one_wins(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    pid, _ = await submit(tg, people.purchaser)
    first = await tg.message(people.supervisor.id, "待确认")
    second = await tg.message(people.supervisor2.id, "待确认")
    # Both taps are waiting in the same getUpdates batch.
    taps = await asyncio.gather(
        tg.tap(people.supervisor, first, "确认"), tg.tap(people.supervisor2, second, "确认")
    )
    answers = [(await tg.answer(q))["text"] for q in taps]
    winners = [a for a in answers if a.startswith("已确认")]
    assert len(winners) == 1, answers
    assert sum("已由" in a for a in answers) == 1, answers
    stored = await purchase_repo.get(services(bot).db, pid)
    assert stored is not None and stored.state.value == "confirmed"
    # The purchaser's note goes through the outbox: wait for it, then count.
    await tg.message(people.purchaser.id, "已由")
    told = [m for m in tg.sent if m["chat"]["id"] == people.purchaser.id and "已由" in
            message_text(m) and f"#{pid}" in message_text(m)]  # fmt: skip
    assert len(told) == 1  # the purchaser hears it once


async def test_the_service_lets_exactly_one_of_two_concurrent_confirms_win(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    pid, _ = await submit(tg, people.purchaser)
    svc = services(bot)
    one = await people_repo.get(svc.db, people.supervisor.id)
    two = await people_repo.get(svc.db, people.supervisor2.id)
    assert one is not None and two is not None
    results = await asyncio.gather(
        purchase_service.confirm(svc, one, pid),
        purchase_service.confirm(svc, two, pid),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1, results
    assert sum(isinstance(r, DomainError) for r in results) == 1, results
    audit = await svc.db.fetchval(
        "SELECT COUNT(*) FROM audit WHERE subject = ? AND action LIKE '%confirm%'",
        (f"purchase:{pid}",),
    )
    assert audit == 1


async def test_tapping_buttons_of_someone_elses_report_changes_nothing(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="教学楼302教室 门锁坏了")
    mine = await tg.message(people.teacher.id, "已提交")
    # The purchaser forges "verify" and "recategorise" taps on the teacher's report 1.
    await tg.send_text(people.purchaser, "/help")
    shown = await tg.message(people.purchaser.id, "您可以")
    for data in (encode("rp", "ok", 1), encode("rp", "re", 1), encode("rp", "acc", 1)):
        answer = await tg.answer(await tg.tap_data(people.purchaser, shown, data))
        assert answer["text"], data  # told plainly, never silently accepted
    ticket = await repair_repo.get(services(bot).db, 1)
    assert ticket is not None and ticket.state.value == "new"
    assert "已提交" in message_text(tg.current(mine))
