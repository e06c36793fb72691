"""Food-safety records end to end: the real bot against the fake Telegram, a frozen clock,
the canteen manager's day (晨检, 留样, 消毒), the 陪餐 leader, 健康证 reminders, the month's
workbook and restarts."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from telegram.ext import Job

from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from bot.domain.menus import Entries, Meal
from bot.domain.roles import Role
from bot.services.container import Services
from storage import foodsafety as fs_repo
from storage import menus as menu_repo
from tests.conftest import SHANGHAI, Cast
from tests.fakebot import FakeTelegram, TgUser, buttons, message_text
from tests.fakebot.running import register, running_bot, services
from tests.images import jpeg_bytes
from tests.test_durability_qa import crash_copy

MON = datetime(2026, 11, 23, tzinfo=SHANGHAI)
LEADER = TgUser(1010, "吴书记")
MENU: Entries = {
    (0, Meal.BREAKFAST): ("包子", "豆浆"),
    (0, Meal.LUNCH): ("红烧肉", "清炒白菜", "番茄蛋汤"),
    (1, Meal.LUNCH): ("宫保鸡丁", "米饭"),
}


def at(h: int, m: int = 0, days: int = 0) -> datetime:
    return MON + timedelta(days=days, hours=h, minutes=m)


def job(app: App, name: str) -> Job[Any]:
    assert app.job_queue is not None
    [found] = app.job_queue.get_jobs_by_name(name)
    return found


async def run_job(app: App, clock: FrozenClock, when: datetime, name: str) -> None:
    """Fire a named job as the scheduler would at ``when``."""
    clock.set(when)
    await job(app, name).run(app)


async def publish_menu(svc: Services) -> None:
    """Set-up: this week's menu as /setmenu would have saved it."""
    async with svc.db.transaction() as tx:
        await menu_repo.replace_week(tx, MON.date(), MENU, by=1005, now=svc.now())


async def add_workers(tg: FakeTelegram, cast: Cast, *lines: str) -> None:
    for line in lines:
        await tg.send_text(cast.canteen, f"/canteen_staff 添加 {line}")
        await tg.message(cast.canteen.id, "已添加")


def button_data(message: dict[str, Any], row: int, col: int) -> str:
    return str(message["reply_markup"]["inline_keyboard"][row][col]["callback_data"])


def records(messages: list[dict[str, Any]]) -> list[str]:
    """Food-safety messages among ``messages`` (the 06:30 menu push also reaches the canteen)."""
    words = ("晨检", "留样", "消毒", "陪餐", "健康证")
    return [message_text(m) for m in messages if any(w in message_text(m) for w in words)]


async def all_sent(app: App) -> None:
    """Wait until every queued notification has been accepted by Telegram (the outbox
    marks a row sent only then): a condition, not a pause for "nothing happened"."""
    svc = services(app)
    for _ in range(400):
        pending = await svc.db.fetchval(
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        )
        if not pending:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the outbox was not delivered")


async def delivered(app: App, tg: FakeTelegram, chat_id: int, since: int) -> list[str]:
    """Food-safety texts sent to ``chat_id`` after ``tg.sent[since]``, once all is out."""
    await all_sent(app)
    return records([m for m in tg.sent[since:] if m["chat"]["id"] == chat_id])


WORKERS = ("张师傅 440301202400123 2027-06-30", "李阿姨 440301202400124 2027-06-30", "赵师傅")


async def test_morning_check_with_one_worker_unwell_asks_the_symptom_and_keeps_one_message(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await publish_menu(services(bot))
    await add_workers(tg, people, *WORKERS)
    await run_job(bot, clock, at(6), "foodsafety:health")
    msg = await tg.message(people.canteen.id, "晨检")
    assert all(name in message_text(msg) for name in ("张师傅", "李阿姨", "赵师傅"))
    assert "未登记健康证" in message_text(msg)  # 赵师傅
    first_button = button_data(msg, 0, 0)
    # 李阿姨 (second row) 有症状
    await tg.answer(await tg.tap_data(people.canteen, msg, button_data(msg, 1, 1)))
    prompt = await tg.message(people.canteen.id, "有什么症状")
    assert "不得从事接触直接入口食品的工作" in message_text(prompt)
    answer = await tg.answer(await tg.tap(people.canteen, prompt, "发热"))
    assert "已记下" in answer["text"]
    assert "发热" in message_text(tg.current(prompt))
    alert = await tg.message(people.admin.id, "李阿姨")
    assert "发热" in message_text(alert)
    assert "李阿姨 有症状：发热" in message_text(tg.current(msg))
    # the usual answer for everybody else is one tap
    done = await tg.answer(await tg.tap(people.canteen, msg, "其余全部健康"))
    assert "晨检记录已完成" in done["text"]
    final = tg.current(msg)
    assert "已由 陈食堂 于 06:00 完成" in message_text(final) and not buttons(final)
    assert "✅ 张师傅 健康" in message_text(final)
    # the audit trail names who did what, for an inspection
    trail = await services(bot).db.fetchall(
        "SELECT actor_name, action, detail FROM audit WHERE action LIKE 'fs.%' ORDER BY id"
    )
    acted = [(r["actor_name"], r["action"]) for r in trail]
    assert ("陈食堂", "fs.worker_save") in acted  # the staff list, set up first
    assert (None, "fs.send") in acted  # the 06:00 job
    assert ("陈食堂", "fs.health") in acted and ("陈食堂", "fs.symptom") in acted
    assert acted[-1] == ("陈食堂", "fs.done")
    assert any(r["detail"] == "李阿姨: 发热" for r in trail)
    # one checklist message, edited in place; a second firing sends nothing
    await run_job(bot, clock, at(6, 5), "foodsafety:watch")
    await all_sent(bot)
    assert [
        (m["chat"]["id"], message_text(m)[:30]) for m in tg.sent if "请逐人确认" in message_text(m)
    ] == [(people.canteen.id, message_text(msg)[:30])]
    # a teacher cannot tick it
    other = await tg.answer(await tg.tap_data(people.teacher, msg, first_button))
    assert "食堂管理员" in other["text"]


async def test_lunch_samples_list_the_menu_dishes_and_a_missing_photo_escalates(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await publish_menu(services(bot))
    await run_job(bot, clock, at(11, 30), "foodsafety:sample:lunch")
    msg = await tg.message(people.canteen.id, "午餐留样")
    assert all(d in message_text(msg) for d in ("红烧肉", "清炒白菜", "番茄蛋汤"))
    await tg.answer(await tg.tap(people.canteen, msg, "全部 ≥125g"))
    for dish in ("1. 红烧肉", "2. 清炒白菜"):
        await tg.answer(await tg.tap(people.canteen, msg, dish))
        prompt = await tg.message(people.canteen.id, "留样盒照片")
        if dish.startswith("1."):  # words are not a photo
            await tg.send_text(people.canteen, "已经留好了", reply_to=prompt)
            await tg.message(people.canteen.id, "请回复一张留样盒的照片")
        await tg.send_photo(people.canteen, jpeg_bytes(), reply_to=prompt)
        await tg.message(people.canteen.id, "照片已记下")
    assert "已留样 2/3" in message_text(tg.current(msg))
    # an hour later: one reminder; 30 minutes after that, the admins hear which dish
    await run_job(bot, clock, at(12, 30), "foodsafety:watch")
    await tg.message(people.canteen.id, "提醒：午餐留样")
    await run_job(bot, clock, at(13, 0), "foodsafety:watch")
    escalation = await tg.message(people.admin.id, "午餐留样")
    assert "「番茄蛋汤」" in message_text(escalation)
    assert "红烧肉" not in message_text(escalation)
    await tg.wait_for(lambda: "已超时" in message_text(tg.current(msg)))
    await run_job(bot, clock, at(13, 10), "foodsafety:watch")
    await all_sent(bot)
    assert len([m for m in tg.sent if "提醒：午餐留样" in message_text(m)]) == 1
    # the last photo closes it, late
    await tg.answer(await tg.tap(people.canteen, msg, "3. 番茄蛋汤"))
    prompt = await tg.message(people.canteen.id, "番茄蛋汤")
    await tg.send_photo(people.canteen, jpeg_bytes(), reply_to=prompt)
    await tg.message(people.canteen.id, "照片已记下")
    final = tg.current(msg)
    assert "迟交" in message_text(final) and not buttons(final)
    # the photos went to the record, not into a repair report
    assert await services(bot).db.fetchval("SELECT COUNT(*) FROM repairs") == 0


async def test_samples_may_be_discarded_48_hours_later_and_the_manager_ticks_it(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await publish_menu(services(bot))
    await run_job(bot, clock, at(11, 30), "foodsafety:sample:lunch")
    msg = await tg.message(people.canteen.id, "午餐留样")
    await tg.answer(await tg.tap(people.canteen, msg, "1. 红烧肉"))
    prompt = await tg.message(people.canteen.id, "留样盒照片")
    await tg.send_photo(people.canteen, jpeg_bytes(), reply_to=prompt)
    await tg.message(people.canteen.id, "照片已记下")
    await run_job(bot, clock, at(11, 29, days=2), "foodsafety:watch")
    await all_sent(bot)
    assert not [m for m in tg.sent if "已满 48 小时" in message_text(m)]
    await run_job(bot, clock, at(11, 30, days=2), "foodsafety:watch")
    notice = await tg.message(people.canteen.id, "已满 48 小时")
    assert "红烧肉" in message_text(notice) and "番茄蛋汤" not in message_text(notice)
    discard_button = button_data(notice, 0, 0)
    await tg.answer(await tg.tap(people.canteen, notice, "已处理"))
    await tg.wait_for(lambda: "已由 陈食堂" in message_text(tg.current(notice)))
    assert not buttons(tg.current(notice))
    await run_job(bot, clock, at(12, 0, days=2), "foodsafety:watch")
    await all_sent(bot)
    assert len([m for m in tg.sent if "已满 48 小时" in message_text(m)]) == 1
    again = await tg.answer(await tg.tap_data(people.canteen, notice, discard_button))
    assert "已经处理过" in again["text"]


async def test_disinfection_is_one_tap_for_the_usual_method_and_a_reply_corrects_it(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await publish_menu(services(bot))
    await run_job(bot, clock, at(12, 30), "foodsafety:disinfect:lunch")
    msg = await tg.message(people.canteen.id, "午餐餐具消毒")
    assert buttons(msg)[0].startswith("✅ 消毒柜")
    done = await tg.answer(await tg.tap(people.canteen, msg, "消毒柜"))
    assert "餐具消毒记录已完成" in done["text"]
    text = message_text(tg.current(msg))
    assert "方式：消毒柜" in text and "开始：12:30" in text and "30 分钟" in text
    await tg.send_text(people.canteen, "12:40 40分钟", reply_to=tg.current(msg))
    await tg.message(people.canteen.id, "已记下")
    text = message_text(tg.current(msg))
    assert "开始：12:40" in text and "40 分钟" in text


async def test_accompanied_meal_form_goes_to_the_rota_leader_and_problems_to_canteen_and_admins(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    svc = services(bot)
    await register(svc, LEADER, Role.LEADER)
    await publish_menu(svc)
    await tg.send_text(people.admin, f"/canteen_roster 陪餐 周一 {LEADER.first_name}")
    await tg.message(people.admin.id, "陪餐 周一：吴书记")
    await tg.send_text(people.admin, f"/canteen_roster 陪餐 周二 {people.teacher.first_name}")
    assert "校领导里没有" in message_text(await tg.message(people.admin.id))
    await run_job(bot, clock, at(12, 30), "foodsafety:disinfect:lunch")
    form = await tg.message(LEADER.id, "午餐陪餐")
    await all_sent(bot)
    assert not [
        m for m in tg.sent if "午餐陪餐 ·" in message_text(m) and m["chat"]["id"] != LEADER.id
    ]
    # someone else cannot fill it
    refused = await tg.answer(await tg.tap_data(people.teacher, form, button_data(form, 0, 2)))
    assert "不是派给您的" in refused["text"]
    # rows: 口味, 份量, 卫生 with 1..5 after the label
    for row, score in ((0, 2), (1, 4), (2, 5)):
        await tg.answer(await tg.tap_data(LEADER, form, button_data(form, row, score)))
    await tg.wait_for(lambda: "口味：★★☆☆☆" in message_text(tg.current(form)))
    await tg.send_text(LEADER, "米饭有点夹生", reply_to=tg.current(form))
    await tg.message(LEADER.id, "备注已记下")
    await tg.send_photo(LEADER, jpeg_bytes(), caption="米饭", reply_to=tg.current(form))
    await tg.message(LEADER.id, "照片已记下")
    done = await tg.answer(await tg.tap(LEADER, form, "提交"))
    assert "陪餐记录已完成" in done["text"]
    for user in (people.canteen, people.admin):
        problem = await tg.message(user.id, "反映问题")
        assert "米饭有点夹生" in message_text(problem) and "口味 2 分" in message_text(problem)
        assert problem.get("photo")
    assert not buttons(tg.current(form))


async def test_expiring_health_certificates_are_reminded_at_30_and_7_days_and_marked_when_expired(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await publish_menu(services(bot))
    await add_workers(tg, people, "张师傅 440301202400123 2026-12-23", "李阿姨 A1234567 2026-11-20")
    await run_job(bot, clock, at(9), "foodsafety:watch")
    for user in (people.canteen, people.admin):
        await tg.message(user.id, "张师傅 的健康证将于 2026-12-23 到期（还有 30 天）")
        await tg.message(user.id, "李阿姨 的健康证已于 2026-11-20 过期")
    mark = len(tg.sent)
    await run_job(bot, clock, at(9, 1), "foodsafety:watch")
    assert await delivered(bot, tg, people.canteen.id, mark) == []
    # the next morning check marks her
    await run_job(bot, clock, at(6, days=1), "foodsafety:health")
    msg = await tg.message(people.canteen.id, "晨检")
    assert "李阿姨 未检 ⛔健康证已过期，不得上岗" in message_text(msg)
    await run_job(bot, clock, at(9, days=23), "foodsafety:watch")
    await tg.message(people.canteen.id, "还有 7 天")
    await tg.send_photo(people.canteen, jpeg_bytes(), caption="健康证 张师傅")
    await tg.message(people.canteen.id, "已保存 张师傅 的健康证照片")
    await tg.send_text(people.canteen, "/canteen_staff")
    listing = await tg.message(people.canteen.id, "食堂从业人员")
    assert "⛔ 健康证 A1234567 已于 2026-11-20 过期" in message_text(listing)
    assert "张师傅：健康证 440301202400123 至 2026-12-23（7 天） 📷" in message_text(listing)
    await tg.send_text(people.canteen, "/export 食品安全 2026-11 照片")
    await tg.message(people.canteen.id, "食品安全台账")
    photos = await tg.message(people.canteen.id, "食品安全照片")
    with zipfile.ZipFile(io.BytesIO(photos["_bytes"])) as zf:
        assert "健康证/张师傅.jpg" in zf.namelist()


async def test_month_export_has_a_sheet_per_record_with_gaps_in_red_and_a_photo_zip(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await publish_menu(services(bot))
    await add_workers(tg, people, *WORKERS)
    await run_job(bot, clock, at(6), "foodsafety:health")
    msg = await tg.message(people.canteen.id, "晨检")
    await tg.answer(await tg.tap(people.canteen, msg, "其余全部健康"))
    await run_job(bot, clock, at(11, 30), "foodsafety:sample:lunch")
    samples = await tg.message(people.canteen.id, "午餐留样")
    await tg.answer(await tg.tap(people.canteen, samples, "1. 红烧肉"))
    prompt = await tg.message(people.canteen.id, "留样盒照片")
    await tg.send_photo(people.canteen, jpeg_bytes(), reply_to=prompt)
    await tg.message(people.canteen.id, "照片已记下")
    clock.set(at(23))  # Monday evening: breakfast and lunch records are gaps, dinner not served
    await tg.send_text(people.supervisor, "/export 食品安全 2026-11 照片")
    doc = await tg.message(people.supervisor.id, "食品安全台账")
    assert doc["document"]["file_name"] == "食品安全台账-2026-11.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(doc["_bytes"]))
    assert wb.sheetnames == ["晨检", "留样", "消毒", "陪餐", "采购验收"]
    morning = list(wb["晨检"].iter_rows(values_only=True))
    assert morning[0][:5] == ("日期", "姓名", "健康证编号", "健康证有效期", "结果")
    assert [r[1] for r in morning[1:]] == ["张师傅", "李阿姨", "赵师傅"]
    assert all(r[4] == "健康" and r[6] == "陈食堂" for r in morning[1:])
    ws = wb["留样"]
    rows = list(ws.iter_rows(values_only=True))
    dishes = {r[2]: r for r in rows[1:] if r[2]}
    assert set(dishes) == {"红烧肉", "清炒白菜", "番茄蛋汤"}
    assert str(dishes["红烧肉"][4]).startswith("foodsafety/")
    assert dishes["红烧肉"][5] == "陈食堂" and dishes["红烧肉"][6] is not None  # who and when
    assert dishes["清炒白菜"][5] in (None, "")  # nobody touched it yet
    gap_rows = [i for i, r in enumerate(rows[1:], start=2) if r[-1]]
    gap_texts = [rows[i - 1][-1] for i in gap_rows]
    assert any("缺早餐留样" in str(g) for g in gap_texts)
    assert any("缺午餐留样" in str(g) and "清炒白菜" in str(g) for g in gap_texts)
    for i in gap_rows:
        assert ws.cell(row=i, column=1).font.color.rgb == "FFFF0000"
    assert ws.cell(row=2, column=1).value is not None
    normal = [i for i in range(2, ws.max_row + 1) if i not in gap_rows]
    assert normal and all(
        ws.cell(row=i, column=1).font.color is None
        or ws.cell(row=i, column=1).font.color.rgb != "FFFF0000"
        for i in normal
    )
    disinfection = [r for r in wb["消毒"].iter_rows(values_only=True)][1:]
    assert {r[-1] for r in disinfection} == {"缺早餐餐具消毒：无记录", "缺午餐餐具消毒：无记录"}
    photos = await tg.message(people.supervisor.id, "食品安全照片")
    with zipfile.ZipFile(io.BytesIO(photos["_bytes"])) as zf:
        names = zf.namelist()
        assert len(names) == 1 and "红烧肉" in names[0] and names[0].startswith("留样/")
        assert zf.read(names[0])[:2] == b"\xff\xd8"  # a JPEG
    await tg.send_text(people.teacher, "/export 食品安全 2026-11")
    assert "只有" in message_text(await tg.message(people.teacher.id))


async def test_purchase_check_rota_teacher_gets_the_check_button_and_is_named(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await tg.send_text(people.admin, f"/canteen_roster 清点 周一 {people.teacher.first_name}")
    await tg.message(people.admin.id, "采购清点 周一：孙老师")
    await tg.send_text(people.purchaser, "/purchase\n白菜 50斤 1.2")
    preview = await tg.message(people.purchaser.id, "草稿")
    await tg.tap(people.purchaser, preview, "提交")
    check = await tg.message(people.teacher.id, "采购清点")
    assert "白菜" in message_text(check)
    answer = await tg.answer(await tg.tap(people.teacher, check, "清点确认"))
    assert "已由您清点确认" in answer["text"]
    await tg.message(people.supervisor.id, "待确认")
    forged = await tg.answer(await tg.tap_data(people.patrol, check, button_data(check, 0, 0)))
    assert "不是您值班" in forged["text"]
    supervisor_msg = [m for m in tg.sent if m["chat"]["id"] == people.supervisor.id][-1]
    await tg.tap(people.supervisor, supervisor_msg, "确认")
    await tg.message(people.purchaser.id, "已由 李监督")
    await tg.send_text(people.supervisor, "/export 食品安全 2026-11")
    doc = await tg.message(people.supervisor.id, "食品安全台账")
    wb = openpyxl.load_workbook(io.BytesIO(doc["_bytes"]))
    [row] = list(wb["采购验收"].iter_rows(values_only=True))[1:]
    assert row[2] == "张采购" and row[5] == "孙老师" and str(row[4]).startswith("李监督")


async def test_report_has_a_food_safety_section(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await publish_menu(services(bot))
    await add_workers(tg, people, "李阿姨 A1234567 2026-11-20")
    await tg.send_text(people.supervisor, "/report 2026-11")
    report = message_text(await tg.message(people.supervisor.id, "食品安全"))
    assert "记录齐全 0/1 天" in report and "留样 0/2 餐" in report
    assert "健康证已过期：李阿姨" in report


async def test_all_schedules_survive_restarts_without_sending_twice(
    tg: FakeTelegram, settings: Settings, people: Cast
) -> None:
    clock = FrozenClock(at(5, 50))
    async with running_bot(settings, clock) as app:
        svc = services(app)
        await register(svc, people.canteen, Role.CANTEEN)
        await register(svc, people.admin, Role.ADMIN)
        await publish_menu(svc)
        async with svc.db.transaction() as tx:
            await fs_repo.save_worker(tx, "张师傅", None, None, now=svc.now())
        for name in ("foodsafety:health", "foodsafety:sample:lunch", "foodsafety:watch"):
            assert job(app, name).job.coalesce is True
    clock.set(at(6, 20))  # down at 06:00: caught up once
    async with running_bot(settings, clock):
        await tg.message(people.canteen.id, "晨检")
    clock.set(at(6, 40))
    mark = len(tg.sent)
    async with running_bot(settings, clock) as app:
        assert await delivered(app, tg, people.canteen.id, mark) == []
    clock.set(at(7, 10))  # breakfast samples, and the 晨检 reminder (06:00 + 1 h)
    async with running_bot(settings, clock):
        await tg.message(people.canteen.id, "早餐留样")
        await tg.message(people.canteen.id, "提醒：晨检")
    clock.set(at(7, 20))
    mark = len(tg.sent)
    async with running_bot(settings, clock) as app:
        assert await delivered(app, tg, people.canteen.id, mark) == []
    clock.set(at(7, 40))  # 晨检 escalated to the admin once
    async with running_bot(settings, clock):
        await tg.message(people.admin.id, "超时未完成")
    clock.set(at(7, 50))
    mark = len(tg.sent)
    async with running_bot(settings, clock) as app:
        assert await delivered(app, tg, people.admin.id, mark) == []
    clock.set(at(14, 0))  # down all lunch: past the grace, nothing stale is sent
    mark = len(tg.sent)
    async with running_bot(settings, clock) as app:
        assert not [t for t in await delivered(app, tg, people.canteen.id, mark) if "午餐" in t]
    for chat, title in (
        (people.canteen.id, "请逐人确认"),
        (people.canteen.id, "早餐留样 ·"),
        (people.canteen.id, "提醒：晨检"),
        (people.admin.id, "晨检 · 11月23日（周一） 超时"),
        (people.admin.id, "早餐留样 · 11月23日（周一） 仍未完成"),  # at 14:00, once
    ):
        sent = [m for m in tg.sent if m["chat"]["id"] == chat and title in message_text(m)]
        assert len(sent) == 1, title


async def test_a_sample_photo_sent_after_a_restart_still_reaches_its_dish(
    tg: FakeTelegram, settings: Settings, people: Cast
) -> None:
    clock = FrozenClock(at(11, 30))
    async with running_bot(settings, clock) as app:
        await register(services(app), people.canteen, Role.CANTEEN)
        await publish_menu(services(app))
        await run_job(app, clock, at(11, 30), "foodsafety:sample:lunch")
        msg = await tg.message(people.canteen.id, "午餐留样")
        await tg.answer(await tg.tap(people.canteen, msg, "2. 清炒白菜"))
        prompt = await tg.message(people.canteen.id, "留样盒照片")
    clock.set(at(11, 40))
    async with running_bot(settings, clock):
        await tg.send_photo(people.canteen, jpeg_bytes(), reply_to=prompt)
        await tg.message(people.canteen.id, "照片已记下")
        await tg.wait_for(lambda: "2. 清炒白菜  📷" in message_text(tg.current(msg)))


async def test_morning_check_ticks_survive_an_abrupt_stop(
    settings: Settings, clock: FrozenClock, tg: FakeTelegram, people: Cast, tmp_path: Path
) -> None:
    async with running_bot(settings, clock) as app:
        await register(services(app), people.canteen, Role.CANTEEN)
        await publish_menu(services(app))
        await add_workers(tg, people, *WORKERS)
        await run_job(app, clock, at(6), "foodsafety:health")
        msg = await tg.message(people.canteen.id, "晨检")
        await tg.answer(await tg.tap_data(people.canteen, msg, button_data(msg, 2, 2)))  # 请假
        await tg.wait_for(lambda: "赵师傅 请假" in message_text(tg.current(msg)))
        crashed = crash_copy(settings, tmp_path / "after_crash")
    async with running_bot(crashed, clock):
        done = await tg.answer(await tg.tap(people.canteen, msg, "其余全部健康"))
        assert "晨检记录已完成" in done["text"]
        text = message_text(tg.current(msg))
        assert "赵师傅 请假" in text and "张师傅 健康" in text


async def test_admin_moves_the_meal_times_and_the_named_jobs_follow(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await publish_menu(services(bot))
    await tg.send_text(people.admin, "/canteen_times")
    await tg.message(people.admin.id, "午餐 11:30")
    await tg.send_text(people.admin, "/canteen_times 06:30,07:10,12:00,17:40")
    await tg.message(people.admin.id, "午餐 12:00")
    lunch = job(bot, "foodsafety:sample:lunch")
    assert lunch.next_t is not None and lunch.next_t.astimezone(SHANGHAI).time() == time(12)
    disinfect = job(bot, "foodsafety:disinfect:lunch")
    assert disinfect.next_t is not None
    assert disinfect.next_t.astimezone(SHANGHAI).time() == time(13)
    mark = len(tg.sent)
    await run_job(bot, clock, at(11, 59), "foodsafety:watch")
    assert await delivered(bot, tg, people.canteen.id, mark) == []
    await run_job(bot, clock, at(12), "foodsafety:sample:lunch")
    await tg.message(people.canteen.id, "午餐留样")
    await tg.send_text(people.canteen, "/canteen_times 05:00,06:00,07:00,08:00")
    assert "只有" in message_text(await tg.message(people.canteen.id))
    await tg.send_text(people.admin, "/canteen_times 12:00,07:00,11:30,17:30")
    assert "从早到晚" in message_text(await tg.message(people.admin.id))


async def test_a_month_without_menus_or_records_says_so_and_leaders_are_invited_by_role_name(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.supervisor, "/export 食品安全 2026-10")
    await tg.message(people.supervisor.id, "2026年10月没有食品安全记录")
    await tg.send_text(people.admin, "/invite 校领导")
    await tg.message(people.admin.id, "邀请校领导的链接")
