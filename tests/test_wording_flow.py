"""Issue 11 through the real bot: what the reporter and the supervisors notice when a
caption is read (urgency buttons, duplicate warnings, patrol findings' places)."""

from __future__ import annotations

from bot.app import App
from bot.callbacks import encode
from bot.domain.repairs import Urgency
from storage import repairs as repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram
from tests.fakebot.running import services
from tests.fakebot.server import message_text
from tests.test_repairs_flow import labels, photo_report, tap_says


async def test_reporter_marks_a_report_urgent_with_one_tap_and_the_supervisors_hear(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, reply = await photo_report(tg, people.teacher, "教学楼302教室 门锁坏了，关不上")
    assert "紧急程度：一般" in message_text(reply)
    assert "改为紧急" in labels(reply) and "改为一般" not in labels(reply)
    assert "门窗" in labels(reply)  # beside the category buttons
    await tg.message(people.supervisor.id, "新报修")
    said = (await tg.answer(await tg.tap(people.teacher, reply, "改为紧急")))["text"]
    assert "已改为「紧急」" in said
    ticket = await repo.get(services(bot).db, rid)
    assert ticket is not None and ticket.urgency is Urgency.URGENT
    now = tg.current(reply)
    assert "紧急程度：紧急" in message_text(now) and "改为一般" in labels(now)
    told = await tg.message(people.supervisor.id, "改为「紧急」")
    assert f"#{rid}" in message_text(told) and "孙老师" in message_text(told)


async def test_a_hazard_is_urgent_without_the_word_ji_and_can_be_lowered(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, reply = await photo_report(tg, people.teacher, "302插座漏电")
    assert "位置：302" in message_text(reply) and "紧急程度：紧急" in message_text(reply)
    await tg.message(people.supervisor.id, "🚨 紧急报修")
    await tg.answer(await tg.tap(people.teacher, reply, "改为一般"))
    ticket = await repo.get(services(bot).db, rid)
    assert ticket is not None and ticket.urgency is Urgency.NORMAL


async def test_only_the_reporter_or_a_supervisor_changes_the_urgency_and_only_while_open(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, reply = await photo_report(tg, people.teacher, "教学楼302教室 门锁坏了")
    forged = encode("rp", "urg", rid, "urgent")
    assert "只有报修人或监督员" in await tap_says(tg, people.purchaser, reply, forged)
    assert "已失效" in await tap_says(tg, people.teacher, reply, encode("rp", "urg", rid, "x"))
    note = await tg.message(people.supervisor.id, "新报修")
    await tg.send_text(people.supervisor, "驳回 重复报修", reply_to=note)
    await tg.message(people.teacher.id, "未被受理")
    assert "驳回" in await tap_says(tg, people.teacher, reply, forged)
    ticket = await repo.get(services(bot).db, rid)
    assert ticket is not None and ticket.urgency is Urgency.NORMAL


async def test_a_second_report_of_the_same_place_and_fault_warns_of_a_likely_duplicate(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    first, _ = await photo_report(tg, people.teacher, "302教室 灯不亮")
    await tg.message(people.supervisor.id, "新报修")
    # Full-width digits and a space: the same place.
    second, reply = await photo_report(tg, people.admin, "３０２　教室 灯管坏了")
    assert f"报修单 #{first}" in message_text(reply) and "重复" in message_text(reply)
    note = await tg.message(people.supervisor.id, f"#{second}")
    assert f"#{first}" in message_text(note) and "重复" in message_text(note)
    # Another fault at the same place is no duplicate.
    _, other = await photo_report(tg, people.teacher, "302教室 门锁坏了")
    assert "重复" not in message_text(other)
