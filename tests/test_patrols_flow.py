"""Patrol rounds end to end: the real bot against the fake Telegram, with a controlled clock."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from telegram.ext import Job

from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from bot.domain.roles import Role
from jobs import patrols as patrol_jobs
from storage import repairs as repair_repo
from tests.conftest import SHANGHAI, Cast
from tests.fakebot import FakeTelegram, TgUser, buttons, message_text
from tests.fakebot.running import register, running_bot, services, settled, tap_done
from tests.images import jpeg_bytes

MON = datetime(2026, 11, 23, tzinfo=SHANGHAI)


def at(h: int, m: int = 0, days: int = 0) -> datetime:
    return MON + timedelta(days=days, hours=h, minutes=m)


def job(app: App, name: str) -> Job[Any]:
    assert app.job_queue is not None
    [found] = app.job_queue.get_jobs_by_name(name)
    return found


async def run_round_job(app: App, clock: FrozenClock, when: datetime, slot: str) -> None:
    """Fire the daily round job as the scheduler would at ``when``."""
    clock.set(when)
    await job(app, f"patrol:{slot}").run(app)


async def checklist(tg: FakeTelegram, cast: Cast, title: str = "巡查") -> dict[str, Any]:
    return await tg.message(cast.patrol.id, title)


async def test_round_jobs_are_restored_with_deliberate_misfire_and_coalesce(bot: App) -> None:
    for slot, expected in (("morning", time(7)), ("afternoon", time(14)), ("night", time(21, 30))):
        j = job(bot, f"patrol:{slot}")
        assert j.job.misfire_grace_time == 60 * 60  # the patrol grace, not APScheduler's 1 s
        assert j.job.coalesce is True
        assert j.next_t is not None
        assert j.next_t.astimezone(SHANGHAI).time() == expected
    watch = job(bot, "patrol:watch")
    assert watch.job.coalesce is True and watch.job.misfire_grace_time


async def test_checklist_is_sent_at_round_time_once_with_item_buttons(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await run_round_job(bot, clock, at(14), "afternoon")
    msg = await checklist(tg, people, "午后巡查")
    labels = buttons(msg)
    assert any("全部正常" in b for b in labels) and any("提交" in b for b in labels)
    assert sum(b.startswith("未查") for b in labels) >= 6
    assert "围墙" in message_text(msg)
    await run_round_job(bot, clock, at(14, 1), "afternoon")  # a second firing
    await patrol_jobs.run_due(services(bot))  # and the watch job
    assert await settled(tg, bot, people.patrol.id) == []


async def test_tapping_items_cycles_and_edits_the_message_in_place(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await run_round_job(bot, clock, at(7), "morning")
    msg = await checklist(tg, people, "早间巡查")
    first = buttons(msg)[0]
    assert first.startswith("未查 1.")
    await tap_done(tg, bot, people.patrol, msg, "1.")
    assert buttons(tg.current(msg))[0].startswith("✅ 1.")
    assert "已查 1/" in message_text(tg.current(msg))
    await tap_done(tg, bot, people.patrol, msg, "1.")
    assert buttons(tg.current(msg))[0].startswith("⚠️ 1.")
    prompt = await tg.message(people.patrol.id, "异常")
    assert "回复这条消息" in message_text(prompt)
    await tap_done(tg, bot, people.patrol, msg, "1.")
    assert buttons(tg.current(msg))[0].startswith("未查 1.")
    # no new checklist message was sent: the same one was edited each time
    assert [m for m in tg.sent if "早间巡查" in message_text(m) and m.get("reply_markup")] == [
        tg.current(msg)
    ]


async def test_staff_cannot_tick_a_checklist(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await run_round_job(bot, clock, at(7), "morning")
    msg = await checklist(tg, people, "早间巡查")
    answer = await tap_done(tg, bot, people.teacher, msg, "1.")
    assert answer["show_alert"] and "巡查员" in answer["text"]
    assert buttons(tg.current(msg))[0].startswith("未查")


async def test_abnormal_items_with_note_and_photo_become_repair_reports_on_submit(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await run_round_job(bot, clock, at(21, 30), "night")
    msg = await checklist(tg, people, "学生就寝后）巡查")
    answer = await tap_done(tg, bot, people.patrol, msg, "全部正常")
    assert "正常" in answer["text"]
    assert all(b.startswith("✅") for b in buttons(tg.current(msg))[:-2])
    # 3. 水龙头: 正常 -> 异常
    await tap_done(tg, bot, people.patrol, msg, "3.")
    prompt = await tg.message(people.patrol.id, "水龙头")
    # submitting without a note is refused
    refused = await tap_done(tg, bot, people.patrol, msg, "提交")
    assert refused["show_alert"] and "说明" in refused["text"]
    await tg.send_text(people.patrol, "二楼男厕水龙头关不紧，一直滴水", reply_to=prompt)
    await tg.message(people.patrol.id, "说明已记下")
    await tg.send_photo(people.patrol, jpeg_bytes(), caption="拍了照片", reply_to=prompt)
    await tg.message(people.patrol.id, "照片已附上")
    assert "一直滴水" in message_text(tg.current(msg))
    clock.set(at(21, 50))
    done = await tap_done(tg, bot, people.patrol, msg, "提交")
    assert "已提交" in done["text"] and "#" in done["text"]
    repair_id = int(done["text"].rsplit("#", 1)[1])
    ticket = await repair_repo.get(services(bot).db, repair_id)
    assert ticket is not None and ticket.patrol_round_id is not None
    assert "滴水" in ticket.description
    assert ticket.location == "二楼男厕"  # where the patroller said, not 「晚间巡查」
    assert len(await repair_repo.photos(services(bot).db, repair_id)) == 1
    final = tg.current(msg)
    assert not buttons(final) and f"#{repair_id}" in message_text(final)
    summary = await tg.message(people.supervisor.id, "学生就寝后）巡查")
    assert f"报修单 #{repair_id}" in message_text(summary) and "异常 1 项" in message_text(summary)
    # a second tap on the old button changes nothing
    again = await tg.answer(
        await tg.tap_data(people.patrol, final, f"pt:sub:{ticket.patrol_round_id}")
    )
    assert "已经提交" in again["text"]


async def test_reminder_after_grace_then_missed_alerts_supervisors(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    svc = services(bot)
    await run_round_job(bot, clock, at(14), "afternoon")
    msg = await checklist(tg, people, "午后巡查")
    clock.set(at(14, 59))
    await patrol_jobs.run_due(svc)
    assert await settled(tg, bot, people.patrol.id) == []
    clock.set(at(15, 0))
    await job(bot, "patrol:watch").run(bot)
    await tg.message(people.patrol.id, "提醒")
    clock.set(at(15, 30))
    await job(bot, "patrol:watch").run(bot)
    alert = await tg.message(people.supervisor.id, "漏检")
    assert people.patrol.first_name in message_text(alert)
    await tg.message(people.supervisor2.id, "漏检")
    await tg.wait_for(lambda: "已超时记为漏检" in message_text(tg.current(msg)))
    clock.set(at(16, 0))
    await patrol_jobs.run_due(svc)
    assert await settled(tg, bot, people.patrol.id) == []  # one reminder only
    # submitting afterwards is recorded as late
    await tap_done(tg, bot, people.patrol, msg, "全部正常")
    done = await tap_done(tg, bot, people.patrol, msg, "提交")
    assert "迟交" in done["text"]
    await tg.send_text(people.supervisor, "/patrols")
    report = await tg.message(people.supervisor.id, "巡查记录")
    assert "迟交（曾记漏检）" in message_text(report)


async def test_roster_holiday_and_times_set_in_chat_decide_who_gets_rounds(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    svc = services(bot)
    other = people.teacher  # give the teacher the patrol role too
    await register(svc, other, Role.PATROL)
    await tg.send_text(people.admin, f"/roster 周二 {other.first_name}")
    assert other.first_name in message_text(await tg.message(people.admin.id, "周二"))
    await tg.send_text(people.admin, "/holiday 2026-11-25 2026-11-26")
    await tg.message(people.admin.id, "假期")
    await tg.send_text(people.admin, "/patrol_times 07:30,14:00,21:30")
    await tg.message(people.admin.id, "07:30")
    morning = job(bot, "patrol:morning")
    assert morning.next_t is not None
    assert morning.next_t.astimezone(SHANGHAI).time() == time(7, 30)
    # Tuesday: only the rostered teacher, at the new time
    clock.set(at(7, 29, days=1))
    await patrol_jobs.run_due(svc)
    assert await settled(tg, bot, other.id) == []
    await run_round_job(bot, clock, at(7, 30, days=1), "morning")
    await tg.message(other.id, "早间巡查")
    assert await settled(tg, bot, people.patrol.id) == []
    # Wednesday is a holiday: nothing
    await run_round_job(bot, clock, at(7, 30, days=2), "morning")
    assert await settled(tg, bot, other.id) == [] and await settled(tg, bot, people.patrol.id) == []
    # Friday: no roster entry, everyone with the patrol role
    await run_round_job(bot, clock, at(7, 30, days=4), "morning")
    await tg.message(other.id, "早间巡查")
    await tg.message(people.patrol.id, "早间巡查")


async def test_roster_refuses_someone_without_patrol_role(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.admin, f"/roster 周一 {people.canteen.first_name}")
    assert "巡查员里没有" in message_text(await tg.message(people.admin.id))


async def test_admin_edits_checklist_items_in_chat(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await tg.send_text(people.admin, "/patrol_items")
    listing = await tg.message(people.admin.id, "巡查检查项")
    assert "晚间（学生就寝后）" in message_text(listing)
    await tg.send_text(people.admin, "/patrol_items 添加 午后 锅炉房压力表正常")
    await tg.message(people.admin.id, "已在午后")
    await tg.send_text(people.admin, "/patrol_items 删除 午后 1")
    removed = await tg.message(people.admin.id, "已从午后")
    await run_round_job(bot, clock, at(14), "afternoon")
    msg = await checklist(tg, people, "午后巡查")
    assert "锅炉房压力表正常" in message_text(msg)
    gone = message_text(removed).split("删除：", 1)[1]
    assert gone not in message_text(msg)
    await tg.send_text(people.patrol, "/patrol_items 删除 午后 1")
    assert "只有管理员" in message_text(await tg.message(people.patrol.id))


async def test_export_patrols_month_as_xlsx(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await run_round_job(bot, clock, at(7), "morning")
    msg = await checklist(tg, people, "早间巡查")
    await tap_done(tg, bot, people.patrol, msg, "全部正常")
    await tap_done(tg, bot, people.patrol, msg, "提交")
    await tg.send_text(people.supervisor, "/export patrols 2026-11")
    doc = await tg.message(people.supervisor.id, "安全检查记录")
    assert doc["document"]["file_name"].endswith(".xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(doc["_bytes"]))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("日期", "巡查", "计划时间", "巡查人")
    assert len(rows) - 1 >= 6
    assert rows[1][3] == people.patrol.first_name and rows[1][8] == "正常"
    # Credit: who submitted the round (提交人) and who checked each item (检查人, 检查时间).
    assert rows[0][4] == "提交人" and rows[0][9] == "检查人" and rows[0][10] == "检查时间"
    assert rows[1][4] == people.patrol.first_name and rows[1][9] == people.patrol.first_name
    assert rows[1][10] is not None
    await tg.send_text(people.supervisor, "/export patrols 2026-10")
    await tg.message(people.supervisor.id, "2026年10月没有巡查记录")


async def test_restart_within_grace_sends_missed_round_once(
    tg: FakeTelegram, settings: Settings, people: Cast
) -> None:
    clock = FrozenClock(at(6))
    async with running_bot(settings, clock) as app:
        await register(services(app), people.patrol, Role.PATROL)
    clock.set(at(7, 20))  # the bot was down at 07:00
    async with running_bot(settings, clock):
        await tg.message(people.patrol.id, "早间巡查")
    clock.set(at(7, 40))  # restarted again, still within grace
    async with running_bot(settings, clock) as app:
        assert await settled(tg, app, people.patrol.id) == []
    clock.set(at(14, 5))
    async with running_bot(settings, clock):
        await tg.message(people.patrol.id, "午后巡查")
    clock.set(at(21, 30, days=1) + timedelta(hours=2))  # down past the whole grace
    async with running_bot(settings, clock) as app:
        assert await settled(tg, app, people.patrol.id) == []
    assert len([m for m in tg.sent if "早间巡查" in message_text(m)]) == 1


async def test_patrols_command_lists_the_days_rounds(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock, tmp_path: Path
) -> None:
    await run_round_job(bot, clock, at(7), "morning")
    msg = await checklist(tg, people, "早间巡查")
    await tap_done(tg, bot, people.patrol, msg, "全部正常")
    await tap_done(tg, bot, people.patrol, msg, "提交")
    await tg.send_text(people.patrol, "/patrols 2026-11-23")
    report = await tg.message(people.patrol.id, "巡查记录")
    assert "按时完成" in message_text(report) and people.patrol.first_name in message_text(report)
    await tg.send_text(people.teacher, "/patrols")
    assert "只有" in message_text(await tg.message(people.teacher.id))


async def test_photo_replying_to_the_checklist_itself_is_still_an_ordinary_repair_photo(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await run_round_job(bot, clock, at(7), "morning")
    msg = await checklist(tg, people, "早间巡查")
    await tg.send_photo(people.patrol, jpeg_bytes(), caption="食堂后门 门锁坏了", reply_to=msg)
    await tg.message(people.patrol.id, "已提交")  # the repairs feature took it
    assert "门锁坏了" not in message_text(tg.current(msg))


async def test_note_for_an_item_no_longer_abnormal_is_refused(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await run_round_job(bot, clock, at(7), "morning")
    msg = await checklist(tg, people, "早间巡查")
    await tap_done(tg, bot, people.patrol, msg, "2.")
    await tap_done(tg, bot, people.patrol, msg, "2.")
    prompt = await tg.message(people.patrol.id, "异常")
    await tap_done(tg, bot, people.patrol, msg, "2.")  # back to 未查
    await tg.send_text(people.patrol, "窗户玻璃碎了", reply_to=prompt)
    assert "不是「异常」" in message_text(await tg.message(people.patrol.id))
    assert "窗户玻璃碎了" not in message_text(tg.current(msg))


async def test_patrols_command_reads_a_short_date_like_purchases_does(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    for arg, heading in (("11-22", "11月22日（周日）"), ("11月21日", "11月21日（周六）"),
                         ("前天", "11月21日（周六）")):  # fmt: skip
        await tg.send_text(people.supervisor, f"/patrols {arg}")
        await tg.message(people.supervisor.id, heading)
    await tg.send_text(people.supervisor, "/patrols 2-30")
    await tg.message(people.supervisor.id, "没有这一天")


async def test_roster_takes_a_two_part_name_without_its_space_and_offers_ids(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await register(services(bot), TgUser(2001, "三", last_name="张"), Role.PATROL)
    await tg.send_text(people.admin, "/roster 周二 张三丰")
    refusal = message_text(await tg.message(people.admin.id, "巡查员里没有"))
    assert "三 张（2001）" in refusal and f"周巡查（{people.patrol.id}）" in refusal
    await tg.send_text(people.admin, "/roster 周二 三张")
    await tg.message(people.admin.id, "周二 值班：三 张")
    await tg.send_text(people.admin, "/roster 周三 2001")
    await tg.message(people.admin.id, "周三 值班：三 张")


async def test_export_of_a_month_without_rounds_names_that_month(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.supervisor, "/export patrols 10")
    await tg.message(people.supervisor.id, "2026年10月没有巡查记录")


async def test_a_note_on_an_abnormal_item_is_in_the_audit_trail_when_confirmed(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await run_round_job(bot, clock, at(7), "morning")
    msg = await checklist(tg, people, "早间巡查")
    await tap_done(tg, bot, people.patrol, msg, "2.")
    await tap_done(tg, bot, people.patrol, msg, "2.")
    prompt = await tg.message(people.patrol.id, "回复这条消息")
    await tg.send_text(people.patrol, "302 门锁坏了", reply_to=prompt)
    await tg.message(people.patrol.id, "说明已记下")
    rows = await services(bot).db.fetchall(
        "SELECT actor_name, detail FROM audit WHERE action = 'patrol.note'"
    )
    assert [(r["actor_name"], r["detail"]) for r in rows] == [("周巡查", "2. 302 门锁坏了")]


async def test_a_patroller_off_duty_cannot_tick_someone_elses_round(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    from bot.services import patrols as patrol_service

    clock.set(datetime(2026, 11, 23, 14, 5, tzinfo=SHANGHAI))
    await patrol_service.send_due_rounds(services(bot), clock.now())
    checklist = await tg.message(people.patrol.id, "巡查")
    other = TgUser(4321, "吴巡查")
    await register(services(bot), other, Role.PATROL)  # joins after the round went out
    first_item = checklist["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    query = await tg.tap_data(other, checklist, first_item)
    assert "不是派给您的" in (await tg.answer(query))["text"]
    assert "未查" in tg.current(checklist)["reply_markup"]["inline_keyboard"][0][0]["text"]
