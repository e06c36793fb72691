"""/report: the numbers of the year-end summary come from the records themselves, and every
period reads its days in the school's time zone."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from docx import Document
from PIL import Image

from bot.app import App
from bot.clock import FrozenClock
from bot.config import ConfigError, load_settings
from bot.domain.errors import DomainError
from bot.domain.periods import parse_period, parse_terms
from bot.domain.purchase_kinds import (
    DEFAULT_PURCHASE_CATEGORIES,
    parse_category_map,
    purchase_category,
)
from bot.domain.reports import building_of, percentile
from bot.services import patrols as patrol_service
from bot.services import purchases as purchase_service
from bot.services import repairs as repair_service
from bot.services import reports as report_service
from bot.services.container import Services
from bot.services.people import Actor
from storage import people as people_repo
from tests.conftest import SHANGHAI, Cast
from tests.fakebot import FakeTelegram, message_text
from tests.fakebot.running import services
from tests.reportdata import (
    PurchaseSpec,
    RepairSpec,
    RoundSpec,
    add_menu_weeks,
    add_people,
    add_purchases,
    add_repairs,
    add_rounds,
    local,
)

TODAY = date(2026, 11, 23)
TERMS = parse_terms("09-01..01-31,02-15..07-10")


# ---------------------------------------------------------------- periods


def test_period_defaults_to_this_year_so_far_and_reads_years_and_months() -> None:
    assert parse_period("", TODAY).first == date(2026, 1, 1)
    assert parse_period("", TODAY).last == TODAY
    assert parse_period("year", TODAY).kind == "year"
    assert parse_period("2025", TODAY).last == date(2025, 12, 31)
    assert parse_period("2026-02", TODAY).last == date(2026, 2, 28)
    assert parse_period("上月", TODAY).first == date(2026, 10, 1)
    assert parse_period("１１月", TODAY).label == "2026年11月"
    month = parse_period("month", TODAY)
    assert (month.first, month.last, month.kind) == (date(2026, 11, 1), date(2026, 11, 30), "month")


def test_week_is_monday_to_today_and_last_week_is_monday_to_sunday() -> None:
    week = parse_period("week", date(2026, 11, 26))  # a Thursday
    assert (week.first, week.last) == (date(2026, 11, 23), date(2026, 11, 26))
    last = parse_period("上周", date(2026, 11, 26))
    assert (last.first, last.last) == (date(2026, 11, 16), date(2026, 11, 22))


def test_term_follows_bot_terms_across_the_new_year_and_in_the_holidays() -> None:
    autumn = parse_period("term", TODAY, TERMS)
    assert (autumn.first, autumn.last, autumn.kind) == (date(2026, 9, 1), TODAY, "term")
    assert autumn.label == "2026—2027学年第一学期"
    january = parse_period("本学期", date(2027, 1, 20), TERMS)
    assert (january.first, january.last) == (date(2026, 9, 1), date(2027, 1, 20))
    # Summer holiday: 本学期 is the spring term just ended, complete.
    summer = parse_period("本学期", date(2026, 8, 10), TERMS)
    assert (summer.first, summer.last) == (date(2026, 2, 15), date(2026, 7, 10))
    assert summer.label == "2025—2026学年第二学期"
    previous = parse_period("上学期", TODAY, TERMS)
    assert (previous.first, previous.last) == (date(2026, 2, 15), date(2026, 7, 10))
    custom = parse_period("term", TODAY, parse_terms("08-25..01-20,02-20..07-05"))
    assert custom.first == date(2026, 8, 25)


def test_a_date_range_is_read_in_either_order_of_words() -> None:
    span = parse_period("2026-09-01 2027-01-31", TODAY)
    assert (span.first, span.last, span.kind) == (date(2026, 9, 1), date(2027, 1, 31), "range")
    assert parse_period("2026-09-01至2026-10-31", TODAY).last == date(2026, 10, 31)


@pytest.mark.parametrize(
    "text", ["2027", "2026-12", "明年", "abc", "2026-10-31 2026-09-01", "2026-02-30 2026-03-01"]
)
def test_future_or_unreadable_periods_are_explained(text: str) -> None:
    with pytest.raises(DomainError):
        parse_period(text, TODAY)


def test_terms_digest_time_and_purchase_categories_are_settings() -> None:
    env = {"BOT_TOKEN": "123456:" + "A" * 30}
    s = load_settings({**env, "BOT_TERMS": "08-25..01-20,02-20..07-05", "BOT_DIGEST_TIME": "7:30",
                       "BOT_PURCHASE_CATEGORIES": "荤菜:肉,鸡;素菜:白菜"}, dotenv=None)  # fmt: skip
    assert s.terms == (((8, 25), (1, 20)), ((2, 20), (7, 5)))
    assert (s.digest_time.hour, s.digest_time.minute) == (7, 30)
    assert purchase_category("鸡腿", s.purchase_categories) == "荤菜"
    for bad in ({"BOT_TERMS": "9月1日"}, {"BOT_TERMS": "02-30..07-01"},
                {"BOT_PURCHASE_CATEGORIES": "肉禽蛋"}):  # fmt: skip
        with pytest.raises(ConfigError):
            load_settings({**env, **bad}, dotenv=None)


# ---------------------------------------------------------------- small rules


def test_percentiles_interpolate_like_a_spreadsheet() -> None:
    assert percentile([1, 2, 3, 4, 10], 0.5) == 3
    assert percentile([1, 2, 3, 4, 10], 0.9) == pytest.approx(7.6)
    assert percentile([5], 0.9) == 5
    assert percentile([], 0.5) is None


def test_purchase_items_fall_under_the_ledger_headings() -> None:
    c = DEFAULT_PURCHASE_CATEGORIES
    assert purchase_category("五花肉", c) == "肉禽蛋"
    assert purchase_category("鸡蛋", c) == "肉禽蛋"
    assert purchase_category("鸡精", c) == "调料"
    assert purchase_category("酱油", c) == "调料"
    assert purchase_category("菜籽油", c) == "粮油"
    assert purchase_category("大白菜", c) == "蔬菜"
    assert purchase_category("洗洁精", c) == "日杂"
    assert purchase_category("电池", c) == "其他"
    assert parse_category_map("肉：猪肉，牛肉；菜:白菜") == (
        ("肉", ("猪肉", "牛肉")),
        ("菜", ("白菜",)),
    )


def test_building_is_read_from_the_place() -> None:
    assert building_of("教学楼302教室") == "教学楼"
    assert building_of("5号楼3层卫生间") == "5号楼"
    assert building_of("食堂后厨") == "食堂"
    assert building_of("二楼男厕所") == "未注明"


# ---------------------------------------------------------------- known answers


async def _november(svc: Services) -> None:
    """Repairs, purchases, patrol rounds and menus of November 2026 with known answers."""
    db = svc.db
    await add_people(db)
    await add_repairs(db, [
        RepairSpec(local(2026, 11, 2), "教学楼302教室", "electric", "verified", accept_h=1,
                   done_h=10, id=1),
        RepairSpec(local(2026, 11, 3), "教学楼302教室", "electric", "done", accept_h=2, done_h=20),
        RepairSpec(local(2026, 11, 4), "教学楼302教室", "water", "verified", accept_h=3, done_h=30),
        # urgent: accepted after 4 h (target 1 h) and fixed after 50 h (target 48 h): both late
        RepairSpec(local(2026, 11, 5), "5号楼101", "lock", "verified", urgency="urgent",
                   accept_h=4, done_h=50),
        RepairSpec(local(2026, 11, 6), "食堂后厨", "water", "in_progress", accept_h=10),
        RepairSpec(local(2026, 11, 7), "操场", "other", "new"),
        RepairSpec(local(2026, 11, 8), "食堂后厨", "other", "rejected"),
        RepairSpec(local(2026, 10, 31, 23, 59), "操场", "other", "new"),  # October
    ])  # fmt: skip
    await add_purchases(db, [
        PurchaseSpec(date(2026, 11, 2), [("猪肉", "20", "斤", "13.5"), ("白菜", "50", "斤", "1.2")],
                     supplier="张记肉铺"),
        PurchaseSpec(date(2026, 11, 9), [("猪肉", "10", "斤", "15"), ("大米", "2", "袋", "150")],
                     supplier="粮油站", posted=False),
        PurchaseSpec(date(2026, 11, 10), [("鸡蛋", "10", "斤", "5")], state="rejected",
                     reason="价格偏高"),
    ])  # fmt: skip
    await add_rounds(db, [
        RoundSpec(date(2026, 11, 2), "morning", "submitted",
                  [("ok", None), ("abnormal", 1), ("abnormal", None)]),
        RoundSpec(date(2026, 11, 2), "night", "late", [("ok", None)]),
        RoundSpec(date(2026, 11, 3), "morning", "missed"),
        RoundSpec(date(2026, 11, 10), "afternoon", "submitted", [("ok", None)]),
    ])  # fmt: skip
    await add_menu_weeks(db, [(date(2026, 11, 2), True), (date(2026, 11, 9), False)])


async def test_report_numbers_have_known_answers(bot: App) -> None:
    svc = services(bot)
    await _november(svc)
    _, rep = await report_service.numbers(svc, parse_period("2026-11", TODAY))
    r, p, pt, m = rep.repairs, rep.purchases, rep.patrols, rep.menus
    assert r.total == 7  # 23:59 on 31 October is October's
    assert (r.state_verified, r.state_done, r.open, r.state_rejected) == (3, 1, 2, 1)
    assert r.by_category == {"水": 2, "电/灯": 2, "其他": 1, "门锁": 1}
    assert r.by_building == {"教学楼": 3, "5号楼": 1, "操场": 1, "食堂": 1}
    assert (r.accept_median, r.accept_p90) == (3, pytest.approx(7.6))
    assert (r.fix_median, r.fix_p90) == (25, pytest.approx(44))
    assert (r.accept_rate, r.finish_rate) == (80, 75)
    assert r.top_places[0].location == "教学楼302教室" and r.top_places[0].count == 3
    assert [(f.location, f.category, f.count) for f in r.repeat_faults] == [
        ("教学楼302教室", "电/灯", 2)
    ]
    assert (p.confirmed, p.lines, p.amount, p.posted) == (2, 4, Decimal("780.00"), 1)
    assert p.by_category == {
        "肉禽蛋": Decimal("420.00"), "粮油": Decimal("300.00"), "蔬菜": Decimal("60.00")
    }  # fmt: skip
    assert p.by_supplier == {"张记肉铺": Decimal("330.00"), "粮油站": Decimal("450.00")}
    assert list(p.by_supplier) == ["粮油站", "张记肉铺"]  # the largest first
    pork = next(tr for tr in p.price_trends if tr.item == "猪肉")
    assert (pork.first, pork.last, pork.unit) == (Decimal("13.50"), Decimal("15.00"), "斤")
    assert pork.change == pytest.approx(11.111, abs=0.01)
    assert [(x.purchase_id, x.amount, x.reason) for x in p.rejected] == [
        (3, Decimal("50.00"), "价格偏高")
    ]
    assert (pt.rounds, pt.on_time, pt.late, pt.missed) == (4, 2, 1, 1)
    assert (pt.abnormal, pt.repairs, pt.repairs_done) == (2, 1, 1)
    assert (m.weeks, m.published, m.on_time) == (5, 2, 1)
    assert sum(rep.weekly.repairs) == 7 and sum(rep.weekly.spend) == Decimal("780.00")
    # 1 November 2026 is a Sunday: the first week of the chart starts on Monday 26 October.
    assert rep.weekly.mondays[:2] == [date(2026, 10, 26), date(2026, 11, 2)]
    assert rep.weekly.on_time[1] == 1 and rep.weekly.late[1] == 1


async def test_a_purchase_at_2359_beijing_time_belongs_to_that_day(
    bot: App, clock: FrozenClock, people: Cast
) -> None:
    svc = services(bot)
    purchaser = await people_repo.get(svc.db, people.purchaser.id)
    supervisor = await people_repo.get(svc.db, people.supervisor.id)
    assert purchaser and supervisor
    clock.set(datetime(2026, 11, 30, 23, 59, tzinfo=SHANGHAI))  # 15:59 UTC
    draft = await purchase_service.start_draft(svc, purchaser, "白菜 10斤 1.2")
    await purchase_service.submit(svc, purchaser, draft.purchase.id)
    await purchase_service.confirm(svc, supervisor, draft.purchase.id)
    teacher = Actor(people.teacher.id, people.teacher.full_name)
    await repair_service.report_caption(svc, reporter=teacher, caption="操场 灯不亮", photos=())
    clock.set(datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI))  # the next day begins
    await repair_service.report_caption(svc, reporter=teacher, caption="大门 锁坏了", photos=())
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI))
    _, november = await report_service.numbers(svc, parse_period("2026-11", clock.now().date()))
    _, december = await report_service.numbers(svc, parse_period("2026-12", clock.now().date()))
    assert november.purchases.amount == Decimal("12.00") and november.repairs.total == 1
    assert december.purchases.amount == 0 and december.repairs.total == 1


# ---------------------------------------------------------------- through the bot


async def test_report_is_a_short_text_with_one_chart_picture(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await _november(services(bot))
    await tg.send_text(people.supervisor, "/report 2026-11")
    sent = await tg.message(people.supervisor.id, "后勤工作统计")
    caption = message_text(sent)  # the numbers come first, on their own
    assert "2026年11月" in caption
    # Each state on its own: 维修中 is the one being worked on, never the 待受理 one too.
    assert "共 7 单：待受理 1，维修中 1，待验收 1，已验收 3，驳回 1" in caption
    assert "受理用时中位 3.0 小时，90% 在 7.6 小时内；按时受理 80%" in caption
    assert "修好用时中位 25.0 小时，90% 在 44.0 小时内；按时修好 75%" in caption
    assert "确认 2 单、4 项，合计 ¥780.00；驳回 1 单" in caption
    assert "共 4 轮：按时 2，迟交 1，漏检 1；发现异常 2 项，转报修 1 单，已修好 1 单" in caption
    assert "公布 2/5 周，按时 1 周" in caption
    chart = await tg.message(people.supervisor.id, "图表")  # then the picture
    picture = Image.open(io.BytesIO(chart["_bytes"]))
    assert picture.format == "PNG" and picture.width >= 600 and picture.height > picture.width
    # Not blank: the bars are drawn in colour over a white page.
    colours = picture.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50
    blue = sum(n for n, (r, g, b) in colours if b > 150 and r < 100)
    assert blue > 1000
    # A month has no drafted 总结; a year has.
    supervisor = await people_repo.get(services(bot).db, people.supervisor.id)
    assert supervisor is not None
    month = await report_service.report(services(bot), "2026-11", by=supervisor)
    assert month.document is None


async def test_year_report_attaches_the_drafted_summary_with_the_real_numbers(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await _november(services(bot))
    await add_purchases(services(bot).db, [
        PurchaseSpec(date(2026, 10, 12), [("猪肉", "10", "斤", "12")], supplier="张记肉铺")
    ])  # fmt: skip
    await tg.send_text(people.admin, "/report year")
    assert "后勤工作总结" in message_text(await tg.message(people.admin.id, "后勤工作统计"))
    sent = await tg.wait_for(
        lambda: next((m for m in tg.sent if "document" in m and m["chat"]["id"] == people.admin.id),
                     None))  # fmt: skip
    assert sent["document"]["file_name"].startswith("年度后勤工作总结_20260101-20261123")
    doc = Document(io.BytesIO(sent["_bytes"]))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert text.startswith("年度后勤工作总结")
    for heading in ("一、维修服务", "二、食堂管理", "三、安全巡查", "四、存在的不足和下一步打算"):
        assert heading in text
    # 8 reports in the year: the 7 of November and one on 31 October.
    assert "全年共收到报修 8 次，其中其他 2 次、水 2 次、电/灯 2 次、门锁 1 次" in text
    assert "按时受理率 80%" in text and "按时修好率 75%" in text
    assert "食堂采购 3 笔、5 项，合计 ¥900.00，全部经监督员逐项清点确认，其中 2 笔已公示" in text
    # by month over a year: October 12.00, November (270 + 150) / 30 斤 = 14.00
    assert "猪肉由 12.00 元/斤 变为 14.00 元/斤（上涨 16.7%）" in text
    assert "监督员驳回采购 1 笔（原因：价格偏高）" in text
    assert "开展走走看看巡查 4 次，按时完成 2 次，迟交 1 次，漏检 1 次" in text
    assert "巡查发现隐患 2 处，转报修 1 处，已整改 1 处" in text
    assert "教学楼302教室电/灯 2 次" in text
    tables = {t.rows[0].cells[0].text: t for t in doc.tables}
    category_rows = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert category_rows[0] == ["类别", "次数"] and ["水", "2"] in category_rows
    assert "食材" in tables and len(doc.tables) == 7


async def test_summary_says_so_where_there_are_no_records(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.supervisor, "/report term")
    await tg.message(people.supervisor.id, "2026—2027学年第一学期")
    sent = await tg.wait_for(lambda: next((m for m in tg.sent if "document" in m), None))
    assert sent["document"]["file_name"].startswith("学期后勤工作总结_20260901")
    text = "\n".join(p.text for p in Document(io.BytesIO(sent["_bytes"])).paragraphs)
    assert "本期无记录：本学期没有报修记录。" in text
    assert "本期无记录：本学期没有经确认的采购记录。" in text
    assert "本期无记录：本学期没有巡查记录。" in text
    assert "全年" not in text and "¥" not in text


async def test_report_counts_what_the_bot_itself_recorded(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    svc = services(bot)
    db = svc.db
    teacher = Actor(people.teacher.id, people.teacher.full_name)
    supervisor = await people_repo.get(db, people.supervisor.id)
    purchaser = await people_repo.get(db, people.purchaser.id)
    repairer = await people_repo.get(db, people.repairer.id)
    patroller = await people_repo.get(db, people.patrol.id)
    assert supervisor and purchaser and repairer and patroller

    clock.set(datetime(2026, 11, 23, 14, 5, tzinfo=SHANGHAI))
    sent = await patrol_service.send_due_rounds(svc, clock.now()) or [
        r["id"] for r in await db.fetchall("SELECT id FROM patrol_rounds")
    ]
    await patrol_service.mark_all_ok(svc, sent[0], by=patroller)
    await patrol_service.submit(svc, sent[0], by=patroller)
    lamp = await repair_service.report_caption(
        svc, reporter=teacher, caption="教学楼302教室 灯管不亮", photos=()
    )
    clock.advance(timedelta(hours=2))
    await repair_service.accept(svc, lamp.ticket.id, by=supervisor)
    clock.advance(timedelta(hours=4))
    await repair_service.complete(svc, lamp.ticket.id, by=repairer, note="换了灯管")
    draft = await purchase_service.start_draft(svc, purchaser, "猪肉 20斤 13.5\n鸡蛋 3.3斤 4.1")
    await purchase_service.submit(svc, purchaser, draft.purchase.id)
    await purchase_service.confirm(svc, supervisor, draft.purchase.id)

    await tg.send_text(people.supervisor, "/report week")
    caption = message_text(await tg.message(people.supervisor.id, "后勤工作统计"))
    assert "共 1 单：待受理 0，维修中 0，待验收 1，已验收 0" in caption and "电/灯 1" in caption
    assert "受理用时中位 2.0 小时" in caption and "修好用时中位 4.0 小时" in caption
    assert "合计 ¥283.53" in caption and "肉禽蛋 ¥283.53" in caption
    assert "共 1 轮：按时 1" in caption


async def test_only_supervisors_and_admins_see_the_report(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "/report")
    assert "只有监督员" in (await tg.message(people.teacher.id))["text"]
    await tg.send_text(people.admin, "/report")
    assert "后勤工作统计" in message_text(await tg.message(people.admin.id, "后勤工作统计"))


async def test_unreadable_report_period_is_explained(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.supervisor, "/report 明年<b>")
    assert "看不懂" in (await tg.message(people.supervisor.id))["text"]


def test_chart_is_drawn_in_the_bundled_cjk_font_with_no_missing_glyphs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.domain.periods import Period
    from bot.domain.reports import Records, Targets, compute
    from bot.render import charts, fonts

    monkeypatch.delenv("BOT_FONT_PATH", raising=False)
    fonts.reset_font_cache()
    charts.chart_font.cache_clear()
    font = charts.chart_font()
    if fonts.font_source().path == fonts.BUNDLED_FONT:  # no system CJK font on this machine
        assert font.path == fonts.BUNDLED_FONT
    assert "Noto Sans" in font.family or "CJK" in font.family or "Hei" in font.family
    empty = Records(Period(date(2026, 11, 1), date(2026, 11, 30), "2026年11月"), [], [], [], [])
    report = compute(empty, targets=Targets(), categories=DEFAULT_PURCHASE_CATEGORIES,
                     repair_days=[])  # fmt: skip
    import warnings

    with warnings.catch_warnings():
        # matplotlib warns "Glyph … missing from font(s)" when it falls back: make it fail.
        warnings.simplefilter("error")
        png = charts.report_png(report)
    picture = Image.open(io.BytesIO(png)).convert("L")
    # The title and the four 「本期无记录」 notes are drawn: dark pixels in the title band.
    width, _ = picture.size
    title_band = picture.crop((0, 0, width, 40))
    darkest, _ = title_band.getextrema()  # type: ignore[misc]
    assert darkest < 100
