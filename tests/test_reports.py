"""/report: the numbers of the year-end summary come from the records themselves."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.app import App
from bot.clock import FrozenClock
from bot.domain.errors import DomainError
from bot.domain.reports import parse_period
from bot.services import patrols as patrol_service
from bot.services import purchases as purchase_service
from bot.services import repairs as repair_service
from bot.services.people import Actor
from storage import people as people_repo
from tests.conftest import SHANGHAI, Cast
from tests.fakebot import FakeTelegram
from tests.fakebot.running import services

TODAY = date(2026, 11, 23)


def test_period_defaults_to_this_year_so_far_and_reads_years_and_months() -> None:
    assert parse_period("", TODAY).first == date(2026, 1, 1)
    assert parse_period("", TODAY).last == TODAY
    assert parse_period("2025", TODAY).last == date(2025, 12, 31)
    assert parse_period("2026-02", TODAY).last == date(2026, 2, 28)
    assert parse_period("上月", TODAY).first == date(2026, 10, 1)
    assert parse_period("１１月", TODAY).label == "2026年11月"


@pytest.mark.parametrize("text", ["2027", "2026-12", "明年", "abc"])
def test_future_or_unreadable_periods_are_explained(text: str) -> None:
    with pytest.raises(DomainError):
        parse_period(text, TODAY)


async def test_report_counts_repairs_purchases_and_patrols_of_the_period(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    svc = services(bot)
    db = svc.db
    teacher = Actor(people.teacher.id, people.teacher.full_name)
    supervisor = await people_repo.get(db, people.supervisor.id)
    purchaser = await people_repo.get(db, people.purchaser.id)
    repairer = await people_repo.get(db, people.repairer.id)
    assert supervisor and purchaser and repairer

    # The 14:00 round goes out and the patroller submits it, all normal, on time.
    clock.set(datetime(2026, 11, 23, 14, 5, tzinfo=SHANGHAI))
    patroller = await people_repo.get(db, people.patrol.id)
    assert patroller is not None
    sent = await patrol_service.send_due_rounds(svc, clock.now()) or [
        r["id"] for r in await db.fetchall("SELECT id FROM patrol_rounds")
    ]
    await patrol_service.mark_all_ok(svc, sent[0], by=patroller)
    await patrol_service.submit(svc, sent[0], by=patroller)

    lamp = await repair_service.report_caption(
        svc, reporter=teacher, caption="教学楼302教室 灯管不亮", photos=()
    )
    await repair_service.report_caption(svc, reporter=teacher, caption="二楼厕所 水龙头漏水",
                                        photos=())  # fmt: skip
    clock.advance(timedelta(hours=2))
    await repair_service.accept(svc, lamp.ticket.id, by=supervisor)
    clock.advance(timedelta(hours=4))
    await repair_service.complete(svc, lamp.ticket.id, by=repairer, note="换了灯管")

    draft = await purchase_service.start_draft(svc, purchaser, "猪肉 20斤 13.5\n鸡蛋 3.3斤 4.1")
    await purchase_service.submit(svc, purchaser, draft.purchase.id)
    await purchase_service.confirm(svc, supervisor, draft.purchase.id)

    await tg.send_text(people.supervisor, "/report 2026-11")
    text = (await tg.message(people.supervisor.id, "后勤工作统计"))["text"]
    assert "2026年11月" in text
    # 「维修中」 counts only jobs being repaired; the report nobody accepted yet is 待受理.
    assert "共 2 单" in text and "待验收 1" in text and "待受理 1" in text and "维修中 0" in text
    assert "电/灯 1" in text and "水 1" in text
    assert "平均受理用时 2.0 小时" in text and "平均修好用时 4.0 小时" in text
    assert "确认 1 单、2 项，合计 283.53 元" in text
    assert "猪肉 270.00 元" in text
    assert "共 1 轮：按时 1，迟交 0，漏检 0" in text

    await tg.send_text(people.supervisor, "/report 2026-10")
    october = (await tg.message(people.supervisor.id, "后勤工作统计"))["text"]
    assert "共 0 单" in october and "合计 0.00 元" in october


async def test_only_supervisors_and_admins_see_the_report(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "/report")
    assert "只有监督员" in (await tg.message(people.teacher.id))["text"]
    await tg.send_text(people.admin, "/report")
    assert "后勤工作统计" in (await tg.message(people.admin.id))["text"]


async def test_unreadable_report_period_is_explained(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.supervisor, "/report 明年<b>")
    assert "看不懂" in (await tg.message(people.supervisor.id))["text"]
