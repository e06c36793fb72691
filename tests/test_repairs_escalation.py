"""Overdue reports as the school's people meet them (issue 11): urgent ones first, the
admins told when a report is long overdue, the reporter told once that it is late."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bot.app import App
from bot.clock import FrozenClock
from bot.domain.repairs import Urgency
from bot.domain.roles import Role
from bot.services import repairs as svc_repairs
from bot.services.people import Actor
from jobs import repairs as repair_jobs
from storage import people as people_repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram
from tests.fakebot.running import register, services, settled
from tests.fakebot.server import message_text
from tests.test_repairs_flow import fast_report


async def report(bot: App, people: Cast, where: str, urgency: Urgency = Urgency.NORMAL) -> int:
    """孙老师 reports a leaking tap at ``where`` (straight through the service: quick)."""
    svc = services(bot)
    teacher = await people_repo.get(svc.db, people.teacher.id)
    assert teacher is not None
    made = await svc_repairs.report(
        svc, reporter=Actor.of(teacher), location=where, description="水龙头漏水",
        urgency=urgency,
    )  # fmt: skip
    return made.ticket.id


def reminders(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if "超时" in message_text(m)]


def numbers(messages: list[dict[str, Any]]) -> list[int]:
    """The report each single reminder is about, in the order they arrived."""
    found = [re.search(r"报修单 #(\d+) 超时提醒", message_text(m)) for m in messages]
    return [int(m[1]) for m in found if m]


async def late_job(bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock) -> int:
    """A report accepted for 刘师傅 and still not fixed a week later, the reminders sent."""
    rid = await fast_report(tg, people)
    note = await tg.message(people.supervisor.id, f"#{rid}")
    await tg.send_text(people.supervisor, "受理", reply_to=note)
    await tg.message(people.repairer.id, "派给您的维修任务")
    clock.advance(timedelta(days=7, minutes=1))
    await repair_jobs.run(services(bot))
    return rid


async def test_overdue_urgent_report_is_reminded_before_the_others(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    first = await report(bot, people, "操场")
    second = await report(bot, people, "食堂")
    clock.advance(timedelta(hours=23, minutes=30))
    urgent = await report(bot, people, "实验楼三楼", Urgency.URGENT)
    clock.advance(timedelta(hours=1, minutes=30))
    # The urgent one is only half an hour past its hour; the others an hour past their day.
    await repair_jobs.run(services(bot))
    for sup in (people.supervisor, people.supervisor2):
        got = reminders(await settled(tg, bot, sup.id))
        assert numbers(got) == [urgent, first, second]


async def test_list_of_many_overdue_reports_puts_the_urgent_one_first(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    older = [await report(bot, people, f"男生宿舍{n}号楼") for n in range(4)]
    clock.advance(timedelta(hours=23, minutes=30))
    urgent = await report(bot, people, "实验楼三楼", Urgency.URGENT)
    clock.advance(timedelta(hours=1, minutes=30))
    await repair_jobs.run(services(bot))
    digest = await tg.message(people.supervisor.id, "5张报修单超时未处理")
    text = message_text(digest)
    assert "紧急的和超时最久的在前" in text
    at = [text.index(f"#{n} ") for n in (urgent, *older)]
    assert at == sorted(at)
    assert "🚨" in text.splitlines()[1]  # the first line of the list is marked urgent


async def test_report_past_twice_its_deadline_reaches_the_admins_too(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    rid = await fast_report(tg, people, "食堂 水管爆了，紧急")  # to be accepted within an hour
    await tg.message(people.supervisor.id, "紧急报修")
    svc = services(bot)
    clock.advance(timedelta(minutes=61))
    await repair_jobs.run(svc)
    for sup in (people.supervisor, people.supervisor2):
        await tg.message(sup.id, f"报修单 #{rid} 超时提醒")
    assert reminders(await settled(tg, bot, people.admin.id)) == []

    clock.advance(timedelta(hours=1))  # two hours: twice the deadline
    await repair_jobs.run(svc)
    to_admin = await tg.message(people.admin.id, f"报修单 #{rid} 超时提醒")
    assert "同时提醒了管理员" in message_text(to_admin)
    for sup in (people.supervisor, people.supervisor2):
        assert numbers(reminders(await settled(tg, bot, sup.id))) == [rid]


async def test_supervisor_who_is_also_admin_gets_one_reminder_not_two(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await register(services(bot), people.admin, Role.SUPERVISOR)
    rid = await fast_report(tg, people, "食堂 水管爆了，紧急")
    await tg.message(people.admin.id, "紧急报修")
    clock.advance(timedelta(hours=2, minutes=1))  # past twice the deadline at once
    await repair_jobs.run(services(bot))
    assert numbers(reminders(await settled(tg, bot, people.admin.id))) == [rid]
    assert numbers(reminders(await settled(tg, bot, people.supervisor.id))) == [rid]


async def test_reporter_hears_once_that_the_report_is_late(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    rid = await fast_report(tg, people)  # 一般: to be accepted within a day
    svc = services(bot)
    clock.advance(timedelta(hours=24, minutes=1))
    await repair_jobs.run(svc)
    sorry = message_text(await tg.message(people.teacher.id, "很抱歉"))
    assert f"报修单 #{rid}（教学楼302教室，门锁坏了，关不上）" in sorry
    assert "还没能在规定时间内受理" in sorry and "已提醒监督员" in sorry  # there are supervisors

    # The next runs, the next periods (reminders 2 and 3), then the repair running late too.
    for hours in (0.5, 24, 24):
        clock.advance(timedelta(hours=hours))
        await repair_jobs.run(svc)
    note = await tg.message(people.supervisor.id, f"报修单 #{rid} 超时提醒")
    await tg.send_text(people.supervisor, "受理", reply_to=note)
    await tg.message(people.repairer.id, "派给您的维修任务")
    clock.advance(timedelta(days=7, minutes=1))
    await repair_jobs.run(svc)
    await tg.message(people.repairer.id, f"报修单 #{rid} 超时提醒")
    assert [m for m in await settled(tg, bot, people.teacher.id) if "抱歉" in message_text(m)] == []


async def test_reporter_of_a_late_repair_hears_the_repairer_was_reminded(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    rid = await late_job(bot, tg, people, clock)
    sorry = message_text(await tg.message(people.teacher.id, "很抱歉"))
    assert f"#{rid}" in sorry and "还没能在规定时间内修好" in sorry and "维修师傅" in sorry


async def test_reporter_of_many_late_reports_gets_one_apology_not_many(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    made = [await report(bot, people, f"男生宿舍{n}号楼") for n in range(5)]
    clock.advance(timedelta(days=2))  # the bot was down over the weekend
    await repair_jobs.run(services(bot))
    sorry = message_text(await tg.message(people.teacher.id, "很抱歉，您的5张报修单"))
    assert all(f"#{n} 男生宿舍" in sorry for n in made)
    assert [m for m in await settled(tg, bot, people.teacher.id) if "抱歉" in message_text(m)] == []


async def test_reporter_hears_the_admins_were_reminded_when_there_are_no_supervisors(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    svc = services(bot)
    async with svc.db.transaction() as tx:
        for sup in (people.supervisor, people.supervisor2):
            assert await people_repo.revoke(tx, sup.id, Role.SUPERVISOR)
    rid = await report(bot, people, "食堂")
    clock.advance(timedelta(hours=24, minutes=1))
    await repair_jobs.run(svc)
    await tg.message(people.admin.id, f"报修单 #{rid} 超时提醒")
    sorry = message_text(await tg.message(people.teacher.id, "很抱歉"))
    assert "已提醒管理员" in sorry and "监督员" not in sorry


async def test_repairer_who_is_also_a_supervisor_gets_one_reminder_for_their_own_late_job(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await register(services(bot), people.repairer, Role.SUPERVISOR)
    rid = await late_job(bot, tg, people, clock)
    [job] = reminders(await settled(tg, bot, people.repairer.id))
    assert numbers([job]) == [rid]
    labels = [b["text"] for row in job["reply_markup"]["inline_keyboard"] for b in row]
    assert "完成" in " ".join(labels)  # the job's own buttons, not the supervisor's copy
    assert numbers(reminders(await settled(tg, bot, people.supervisor.id))) == [rid]
