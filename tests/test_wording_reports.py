"""Issue 11, people and credit: /report counts each state exactly, menu weeks count in a
year as in a month, and a round sent before any patroller exists is 未排班, not 漏检."""

from __future__ import annotations

from datetime import date

from bot.app import App
from bot.domain.menus import Meal
from bot.domain.roles import Role
from bot.services import patrols
from bot.services import purchases as purchase_service
from bot.services import repairs as repair_service
from bot.services import reports as report_service
from bot.services.container import Services
from bot.services.people import Actor
from storage import menus as menu_repo
from storage import people as people_repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram
from tests.fakebot.running import add_person as person
from tests.fakebot.running import services
from tests.fakebot.server import message_text
from tests.test_patrols_service import advance_to, outbox
from tests.test_patrols_service import svc as svc  # the fixture, re-exported for pytest


async def test_report_counts_each_repair_state_on_its_own(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    svc = services(bot)
    teacher = Actor(people.teacher.id, people.teacher.full_name)
    supervisor = await people_repo.get(svc.db, people.supervisor.id)
    repairer = await people_repo.get(svc.db, people.repairer.id)
    assert supervisor and repairer
    ids = [
        (await repair_service.report_caption(svc, reporter=teacher, caption=c, photos=())).ticket.id
        for c in ("302教室 灯不亮", "303教室 门锁坏了", "304教室 椅子坏了", "305教室 窗户坏了")
    ]
    await repair_service.accept(svc, ids[1], by=supervisor)
    await repair_service.accept(svc, ids[2], by=supervisor)
    await repair_service.start(svc, ids[2], by=repairer)
    await repair_service.hold(svc, ids[3], by=supervisor, reason="等配件")
    await tg.send_text(people.supervisor, "/report 2026-11")
    text = message_text(await tg.message(people.supervisor.id, "后勤工作统计"))
    assert "共 4 单：待受理 1，已受理 1，维修中 1，搁置 1，待验收 0，已验收 0" in text


async def test_menu_weeks_count_in_the_year_as_in_its_month(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    svc = services(bot)
    # This week's menu and next week's, published ahead (today is Monday 2026-11-23).
    async with svc.db.transaction() as tx:
        for monday in (date(2026, 11, 23), date(2026, 11, 30)):
            entries = {(0, Meal.LUNCH): ("米饭", "红烧肉")}
            await menu_repo.replace_week(tx, monday, entries, by=people.canteen.id, now=svc.now())
    # Published of the period's weeks: November has 5 Mondays; the year so far has 47, and
    # the week published ahead (30 November) counts in the year too.
    for period, published in (("2026-11", "公布 2/5 周"), ("2026", "公布 2/48 周"),
                              ("", "公布 2/48 周")):  # fmt: skip
        await tg.send_text(people.supervisor, f"/report {period}".strip())
        text = message_text(await tg.message(people.supervisor.id, "后勤工作统计"))
        assert published in text, period


async def test_a_round_before_any_patroller_exists_is_unstaffed_not_missed(
    svc: Services,
) -> None:
    await person(svc, 9, "管理员", Role.ADMIN)
    await person(svc, 5, "赵主任", Role.SUPERVISOR)
    [rid] = await patrols.send_due_rounds(svc, await advance_to(svc, 7, 0))
    await patrols.check_overdue(svc, await advance_to(svc, 8, 30))
    alert = [m for c, m, _ in await outbox(svc) if c == 5]
    assert alert and "未排班" in alert[0] and "漏检" not in alert[0]
    day = date(2026, 11, 23)
    [record] = await patrols.records(svc, day, date(2026, 11, 24))
    assert record.round.id == rid and record.result == "未排班" and record.who == "未排班"
    # The report and the export say 未排班 too, never 漏检.
    supervisor = await people_repo.get(svc.db, 5)
    assert supervisor is not None
    reply = await report_service.report(svc, "week", by=supervisor)
    numbers = reply.report.patrols
    assert (numbers.rounds, numbers.missed, numbers.unstaffed) == (1, 0, 1)
    assert "共 1 轮：按时 0，迟交 0，漏检 0，未排班 1；" in reply.text
    recs = await report_service.records(svc, reply.report.period)
    sheet = report_service.patrols_sheet(recs, svc.settings.timezone)
    assert [row[3] for row in sheet.rows] == ["未排班"]


async def test_report_shows_what_was_bought_by_weight_in_jin(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    svc = services(bot)
    purchaser = await people_repo.get(svc.db, people.purchaser.id)
    supervisor = await people_repo.get(svc.db, people.supervisor.id)
    assert purchaser and supervisor
    draft = await purchase_service.start_draft(svc, purchaser, "猪肉 20斤 13.5\n猪肉 5公斤 28")
    await purchase_service.submit(svc, purchaser, draft.purchase.id)
    await purchase_service.confirm(svc, supervisor, draft.purchase.id)
    await tg.send_text(people.supervisor, "/report 2026-11")
    text = message_text(await tg.message(people.supervisor.id, "后勤工作统计"))
    assert "猪肉 ¥410.00（30斤）" in text
