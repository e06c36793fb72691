"""/export of any period as .xlsx, the weekly digest, and the period queries' indexes."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook

from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from bot.domain.roles import Role
from bot.services import reports as report_service
from storage.db import Database
from tests.conftest import SHANGHAI, Cast
from tests.fakebot import FakeTelegram
from tests.fakebot.running import register, running_bot, services
from tests.reportdata import (
    PurchaseSpec,
    RepairSpec,
    RoundSpec,
    add_people,
    add_purchases,
    add_repairs,
    add_rounds,
    generate_school,
    local,
)


async def _records(db: Database) -> None:
    await add_people(db)
    await add_repairs(db, [
        RepairSpec(local(2026, 3, 2, 23, 59), "教学楼302教室", "electric", accept_h=1, done_h=3),
        RepairSpec(local(2026, 9, 8), "食堂后厨", "water", "in_progress", accept_h=5),
    ])  # fmt: skip
    await add_purchases(db, [
        PurchaseSpec(date(2026, 3, 2), [("猪肉", "20", "斤", "13.5"), ("白菜", "50", "斤", "1.2")]),
        PurchaseSpec(date(2026, 9, 8), [("大米", "2", "袋", "150")], supplier="粮油站"),
        PurchaseSpec(date(2026, 9, 9), [("鸡蛋", "1", "斤", "5")], state="rejected"),
    ])  # fmt: skip
    await add_rounds(db, [
        RoundSpec(date(2026, 9, 8), "morning", "submitted", [("ok", None), ("abnormal", 2)]),
        RoundSpec(date(2026, 9, 8), "night", "missed"),
    ])  # fmt: skip


async def _document(tg: FakeTelegram, chat_id: int, name_start: str) -> dict[str, Any]:
    return await tg.wait_for(  # type: ignore[no-any-return]
        lambda: next(
            (m for m in tg.sent if m["chat"]["id"] == chat_id and "document" in m
             and m["document"]["file_name"].startswith(name_start)), None)
    )  # fmt: skip


async def test_export_all_of_a_year_has_every_sheet_a_summary_and_sum_formulas(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await _records(services(bot).db)
    await tg.send_text(people.supervisor, "/export all 2026")
    sent = await _document(tg, people.supervisor.id, "后勤记录_20260101-20261123")
    assert "共 7 条" in sent["caption"]
    wb = load_workbook(io.BytesIO(sent["_bytes"]))
    assert wb.sheetnames == ["汇总", "报修", "采购", "巡查"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1"
        assert ws.column_dimensions["A"].width >= 6

    repairs = wb["报修"]
    # 23:59 on 2 March Beijing time is written as that local time, not 15:59 UTC.
    assert repairs["B2"].value == datetime(2026, 3, 2, 23, 59)
    assert repairs["C2"].value == "教学楼302教室" and repairs["E2"].value == "电/灯"
    assert repairs["L2"].value == 1 and repairs["M2"].value == 3
    assert repairs["B4"].value == "=COUNT(A2:A3)"

    purchases = wb["采购"]
    rows = list(purchases.iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in rows[:3]] == ["猪肉", "白菜", "大米"]  # the rejected one is not here
    assert rows[0][3] == "肉禽蛋" and rows[2][8] == "粮油站"
    assert rows[0][7] == 270 and purchases.cell(2, 8).number_format == "0.00"
    assert rows[3][0] == "合计" and rows[3][7] == "=SUM(H2:H4)"

    patrols = wb["巡查"]
    assert patrols["D2"].value == "按时完成" and patrols["D3"].value == "漏检"
    assert patrols["G4"].value == "=SUM(G2:G3)" and patrols["H4"].value == "=SUM(H2:H3)"

    summary = {r[0]: r[1] for r in wb["汇总"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert summary["电/灯"] == 1 and summary["水"] == 1
    assert summary["肉禽蛋"] == 270 and summary["粮油"] == 300 and summary["蔬菜"] == 60
    assert summary["驳回（单）"] == 1 and summary["漏检"] == 1
    formulas = [r[1] for r in wb["汇总"].iter_rows(min_row=2, values_only=True) if r[0] == "合计"]
    assert formulas and all(str(f).startswith("=SUM(B") for f in formulas)


async def test_export_one_kind_of_a_term_and_nothing_to_export(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await _records(services(bot).db)
    await tg.send_text(people.supervisor, "/export repairs term")
    sent = await _document(tg, people.supervisor.id, "报修记录_20260901-20261123")
    wb = load_workbook(io.BytesIO(sent["_bytes"]))
    assert wb.sheetnames == ["报修"] and wb["报修"].max_row == 3  # header, one repair, totals
    await tg.send_text(people.supervisor, "/export patrols 2026-01-01 2026-02-01")
    assert "没有巡查记录" in (await tg.message(people.supervisor.id, "没有"))["text"]


async def test_month_exports_of_purchases_and_patrols_keep_their_own_format(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await _records(services(bot).db)
    await tg.send_text(people.supervisor, "/export purchases 2026-09")
    month = await tg.wait_for(lambda: next((m for m in tg.sent if "document" in m), None))
    assert month["document"]["file_name"] == "采购台账-2026-09.xlsx"  # the finance export
    await tg.send_text(people.supervisor, "/export purchases 2026")
    year = await _document(tg, people.supervisor.id, "采购台账_20260101")
    assert load_workbook(io.BytesIO(year["_bytes"])).sheetnames == ["采购"]


async def test_only_supervisors_and_admins_export(bot: App, tg: FakeTelegram, people: Cast) -> None:
    await tg.send_text(people.teacher, "/export all year")
    assert "只有监督员" in (await tg.message(people.teacher.id))["text"]


# ---------------------------------------------------------------- weekly digest


async def test_weekly_digest_goes_once_to_supervisors_and_admins_even_across_a_restart(
    settings: Settings, tg: FakeTelegram, people: Cast
) -> None:
    # Monday 23 November 2026, 08:00 Beijing time: last week is 16-22 November.
    clock = FrozenClock(datetime(2026, 11, 23, 8, 0, tzinfo=SHANGHAI))
    async with running_bot(settings, clock) as app:
        svc = services(app)
        job = app.job_queue.get_jobs_by_name("report:digest")[0]  # type: ignore[union-attr]
        next_run = job.next_t.astimezone(SHANGHAI)  # type: ignore[union-attr]
        assert next_run.weekday() == 0 and next_run.time() == time(8, 0)
        await register(svc, people.admin, Role.ADMIN)
        await register(svc, people.supervisor, Role.SUPERVISOR)
        await register(svc, people.teacher, Role.STAFF)
        await add_people(svc.db)
        await add_repairs(svc.db, [
            RepairSpec(local(2026, 11, 17), "教学楼302教室", "electric", accept_h=1, done_h=2),
            # still waiting for acceptance after 6 days: overdue
            RepairSpec(local(2026, 11, 17), "食堂后厨", "water", "new"),
        ])  # fmt: skip
        await add_purchases(
            svc.db, [PurchaseSpec(date(2026, 11, 18), [("猪肉", "10", "斤", "14")])]
        )
        assert await report_service.send_weekly_digest(svc, clock.now()) == 2
        assert await report_service.send_weekly_digest(svc, clock.now()) == 0
        digest = await tg.message(people.supervisor.id, "上周后勤简报")
        assert "11月16日—11月22日" in digest["caption"]
        # the one waiting for acceptance is 待受理, not 维修中
        assert "1. 报修 2 单，已修好 1 单，待受理 1 单；" in digest["caption"]
        assert "2. 采购 1 单，合计 ¥140.00" in digest["caption"]
        assert "超时未办" in digest["caption"] and "食堂后厨" in digest["caption"]
        assert digest["_bytes"].startswith(b"\x89PNG")
        await tg.message(people.admin.id, "上周后勤简报")

    clock.set(datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI))
    async with running_bot(settings, clock) as app:  # the restart catches up: already sent
        db = services(app).db
        assert await db.fetchval("SELECT COUNT(*) FROM outbox WHERE ref LIKE 'digest:%'") == 2
        assert await db.fetchval("SELECT week FROM report_digests") == "2026-11-16"
    assert not [m for m in tg.sent if m["chat"]["id"] == people.teacher.id]


async def test_a_digest_missed_while_the_bot_was_down_is_sent_at_start(
    settings: Settings, tg: FakeTelegram, people: Cast
) -> None:
    clock = FrozenClock(datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI))
    async with running_bot(settings, clock) as app:
        await register(services(app), people.supervisor, Role.SUPERVISOR)
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI))  # down over Monday
    async with running_bot(settings, clock):
        sent = await tg.message(people.supervisor.id, "上周后勤简报")
        assert "11月16日—11月22日" in sent["caption"]


# ---------------------------------------------------------------- speed


async def test_period_queries_use_indexes_so_old_years_are_not_read(tmp_path: Any) -> None:
    db = Database(tmp_path / "big.sqlite3")
    await db.open()
    try:
        await generate_school(db, 2024, 2, repairs=300, lines=500)
        plans = {
            "repairs": "SELECT id FROM repairs WHERE created_at >= '2025' AND created_at < '2026'",
            "purchases": "SELECT p.id FROM purchases p JOIN purchase_lines l"
            " ON l.purchase_id = p.id WHERE p.purchase_date BETWEEN '2025-01-01' AND '2025-12-31'"
            " AND p.state IN ('confirmed', 'rejected')",
            "rounds": "SELECT id FROM patrol_rounds"
            " WHERE day BETWEEN '2025-01-01' AND '2025-12-31'",
        }
        for name, sql in plans.items():
            plan = " ".join(r[3] for r in await db.fetchall("EXPLAIN QUERY PLAN " + sql))
            assert "USING" in plan and "INDEX" in plan, (name, plan)
            assert "SCAN repairs" not in plan and "SCAN p " not in plan, (name, plan)
        n = await db.fetchval("SELECT COUNT(*) FROM purchase_lines")
        assert n == 1000
        assert Decimal(await db.fetchval("SELECT amount FROM purchase_lines LIMIT 1")) > 0
    finally:
        await db.close()
