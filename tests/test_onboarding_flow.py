"""A whole school joins in one morning: the school link, the roster, approvals, pasted
codes, strangers, removal, the public group, #报修 in the staff group, the main keyboard.
All through the real Application and the fake Bot API server."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from openpyxl import Workbook

from bot.app import App
from bot.clock import FrozenClock
from bot.domain.repairs import RepairState
from bot.domain.roles import Role
from bot.services import purchases as purchase_service
from jobs import purchases as purchase_jobs
from storage import people as people_repo
from storage import repairs as repairs_repo
from tests.conftest import SHANGHAI, Cast
from tests.fakebot import BOT_USERNAME, FakeTelegram, TgUser, message_text
from tests.fakebot.running import services
from tests.images import jpeg_bytes

LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=([A-Za-z0-9_-]+)")
STAFF_GROUP = -100200300
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
async def outbox_drained(bot: App) -> AsyncIterator[None]:
    """These tests queue many notifications; each ends only when the outbox has delivered
    them, so the bot never stops in the middle of a delivery (it holds a lock then)."""
    yield
    db = services(bot).db
    for _ in range(200):
        pending = await db.fetchval(
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        )
        if not pending:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{pending} notifications still waiting in the outbox")


def teachers(count: int, start: int = 0) -> list[TgUser]:
    return [TgUser(20000 + i, f"教师{i:02d}") for i in range(start, start + count)]


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")  # as Excel saves "CSV UTF-8"


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def school_link(tg: FakeTelegram, admin: TgUser, args: str = "教职工 多人") -> str:
    await tg.send_text(admin, f"/invite {args}")
    reply = await tg.message(admin.id, "共用链接")
    match = LINK.search(message_text(reply))
    assert match, message_text(reply)
    return match.group(1)


async def import_roster(tg: FakeTelegram, admin: TgUser, rows: list[list[str]]) -> None:
    await tg.send_document(
        admin, csv_bytes(rows), file_name="名单.csv", mime_type="text/csv", caption="名单"
    )
    preview = await tg.message(admin.id, "名单预览")
    await tg.answer(await tg.tap(admin, preview, "导入"))
    await tg.message(admin.id, "名单已导入")


async def roles_of(app: App, user_id: int) -> frozenset[Role] | None:
    person = await people_repo.get(services(app).db, user_id)
    return None if person is None else person.roles


# ---- the school link ----------------------------------------------------------------------
async def test_thirty_teachers_join_through_one_school_link(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    joiners = teachers(30)
    on_roster, not_on_roster = joiners[:20], joiners[20:]
    absent = ["缺席老师甲", "缺席老师乙"]  # on the roster, never join
    rows = [["姓名", "角色", "手机号", "部门"]]
    rows += [[u.first_name, "教职工", "", "初一年级"] for u in on_roster]
    rows += [[name, "教职工", "13800138000", "初二年级"] for name in absent]
    await import_roster(tg, people.admin, rows)
    code = await school_link(tg, people.admin)

    for user in joiners:
        await tg.send_text(user, f"/start {code}")
    for user in on_roster:  # the roster names them: approved at once
        await tg.message(user.id, "欢迎")
        assert await roles_of(bot, user.id) == {Role.STAFF}
    requests = {}
    for user in not_on_roster:  # the others wait, and see nothing else
        await tg.message(user.id, "等待")
        assert await roles_of(bot, user.id) is None
        requests[user.id] = await tg.message(people.admin.id, f"{user.first_name}申请加入为教职工")
    await tg.send_text(not_on_roster[0], "/repairs")
    assert "邀请" in message_text(await tg.message(not_on_roster[0].id))

    for user in not_on_roster:
        answer = await tg.answer(await tg.tap(people.admin, requests[user.id], "同意"))
        assert "已同意" in answer["text"]
        told = await tg.message(user.id, "申请已通过")
        assert "教职工" in message_text(told)
        assert tg.keyboard(told) == ["📷 报修", "我的报修", "本周食谱", "帮助"]
        assert await roles_of(bot, user.id) == {Role.STAFF}
    # The buttons are gone from the admin's request, with a note who decided under it.
    first = requests[not_on_roster[0].id]
    note = await tg.message(people.admin.id, "已由 王校长 同意（教职工）")
    assert note["reply_to_message"]["message_id"] == first["message_id"]
    assert not tg.current(first).get("reply_markup")

    await tg.send_text(people.admin, "/invites")
    listing = message_text(await tg.message(people.admin.id, "共用邀请链接"))
    assert "已用 30 次" in listing
    await tg.send_text(people.admin, "/users")
    overview = message_text(await tg.message(people.admin.id, "已加入"))
    assert "教职工 31 人" in overview  # 30 joiners and 孙老师
    assert "名单上还没加入 2 人" in overview and "缺席老师甲" in overview


async def test_admin_changes_the_role_before_approving(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    code = await school_link(tg, people.admin)
    [newcomer] = teachers(1)
    await tg.send_text(newcomer, f"/start {code}")
    await tg.message(newcomer.id, "等待")
    request = await tg.message(people.admin.id, "申请加入")
    await tg.answer(await tg.tap(people.admin, request, "改角色"))
    await tg.wait_for(lambda: "维修工" in str(tg.current(request).get("reply_markup")))
    answer = await tg.answer(await tg.tap(people.admin, request, "维修工"))
    assert "维修工" in answer["text"]
    assert "维修工" in message_text(await tg.message(newcomer.id, "申请已通过"))
    assert await roles_of(bot, newcomer.id) == {Role.REPAIRER}


async def test_an_approved_newcomer_gets_the_menu_of_their_role(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    code = await school_link(tg, people.admin)
    [newcomer] = teachers(1)
    await tg.send_text(newcomer, f"/start {code}")
    await tg.message(newcomer.id, "等待")
    assert f"chat:{newcomer.id}" not in tg.scoped_commands
    request = await tg.message(people.admin.id, "申请加入")
    await tg.answer(await tg.tap(people.admin, request, "同意"))
    menu = [c["command"] for c in tg.scoped_commands[f"chat:{newcomer.id}"]]
    assert "repair" in menu and "purchase" not in menu and "report" not in menu


async def test_a_removed_purchasers_menu_loses_the_purchase_commands(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.admin, f"/remove {people.purchaser.id}")
    await tg.message(people.admin.id, "已移除")
    menu = [c["command"] for c in tg.scoped_commands[f"chat:{people.purchaser.id}"]]
    assert "purchase" not in menu and "purchases" not in menu


async def test_rejected_applicant_is_told_and_stays_out(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    code = await school_link(tg, people.admin)
    [newcomer] = teachers(1)
    await tg.send_text(newcomer, f"/start {code}")
    request = await tg.message(people.admin.id, "申请加入")
    await tg.answer(await tg.tap(people.admin, request, "拒绝"))
    await tg.message(newcomer.id, "没有通过")
    assert await roles_of(bot, newcomer.id) is None
    # A second tap (another admin, an old message) changes nothing.
    again = await tg.answer(await tg.tap_data(people.admin, request, f"jn:ok:{1}"))
    assert "已经拒绝" in again["text"]
    assert await roles_of(bot, newcomer.id) is None


async def test_a_revoked_link_refuses_newcomers(bot: App, tg: FakeTelegram, people: Cast) -> None:
    code = await school_link(tg, people.admin, "教职工 30 3天")
    first, second = teachers(2)
    await tg.send_text(first, f"/start {code}")
    await tg.message(first.id, "等待")
    await tg.send_text(people.admin, "/invites")
    listing = await tg.message(people.admin.id, "共用邀请链接")
    assert "已用 1/30 次" in message_text(listing)
    answer = await tg.answer(await tg.tap(people.admin, listing, "撤销"))
    assert "已撤销" in answer["text"]
    await tg.send_text(second, f"/start {code}")
    assert "撤销" in message_text(await tg.message(second.id))
    assert await roles_of(bot, second.id) is None


async def test_a_link_for_a_few_people_runs_out(bot: App, tg: FakeTelegram, people: Cast) -> None:
    code = await school_link(tg, people.admin, "维修工 2")
    a, b, c = teachers(3)
    for user in (a, b):
        await tg.send_text(user, f"/start {code}")
        await tg.message(user.id, "等待")
    await tg.send_text(c, f"/start {code}")
    assert "名额已经用完" in message_text(await tg.message(c.id))


async def test_only_admins_approve_join_requests(bot: App, tg: FakeTelegram, people: Cast) -> None:
    code = await school_link(tg, people.admin)
    [newcomer] = teachers(1)
    await tg.send_text(newcomer, f"/start {code}")
    request = await tg.message(people.admin.id, "申请加入")
    answer = await tg.answer(await tg.tap(people.supervisor, request, "同意"))
    assert "只有管理员" in answer["text"]
    assert await roles_of(bot, newcomer.id) is None


# ---- pasted links and codes, strangers ----------------------------------------------------
async def test_a_pasted_link_or_code_counts_as_opening_it(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    code = await school_link(tg, people.admin)
    by_url, by_code = teachers(2)
    await tg.send_text(by_url, f"老师让我点这个 https://t.me/{BOT_USERNAME}?start={code}")
    await tg.message(by_url.id, "等待")
    await tg.send_text(by_code, code)
    await tg.message(by_code.id, "等待")
    await tg.message(people.admin.id, f"{by_url.first_name}申请加入")
    await tg.message(people.admin.id, f"{by_code.first_name}申请加入")


async def test_a_pasted_personal_invite_registers_at_once(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.admin, "/invite 采购员")
    match = LINK.search(message_text(await tg.message(people.admin.id, "邀请")))
    assert match
    [newcomer] = teachers(1)
    await tg.send_text(newcomer, match.group(1))
    await tg.message(newcomer.id, "欢迎")
    assert await roles_of(bot, newcomer.id) == {Role.PURCHASER}


async def test_stranger_is_told_their_id_once(bot: App, tg: FakeTelegram, people: Cast) -> None:
    await tg.send_text(people.stranger, "你好")
    first = message_text(await tg.message(people.stranger.id))
    assert (
        f"您的 ID：<code>{people.stranger.id}</code>，请发给后勤办公室" in first
        and "后勤办公室" in first
    )
    await tg.send_text(people.stranger, "在吗")
    second = message_text(await tg.message(people.stranger.id))
    assert "ID" not in second and "邀请" in second


# ---- the roster file ----------------------------------------------------------------------
async def test_roster_xlsx_with_bad_rows_shows_reasons_and_cancel_imports_nothing(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    data = xlsx_bytes(
        [
            ["姓名", "角色", "手机号", "部门"],
            ["钱老师", "教职工", 13912345678, "初一年级"],  # Excel keeps phone numbers as numbers
            ["", "教职工", None, None],
            ["赵师傅", "维修工", None, "后勤"],
            ["冯老师", "校长", None, None],
            ["韩老师", "教职工", "12345", None],
            ["钱老师", "监督员", None, None],
            ["褚主任", "管理员", None, None],
        ]
    )
    await tg.send_document(
        people.admin, data, file_name="全校名单.xlsx", mime_type=XLSX, caption="名单"
    )
    preview = await tg.message(people.admin.id, "名单预览")
    text = message_text(preview)
    assert "可导入 2 人" in text and "教职工 1 人" in text and "维修工 1 人" in text
    assert "有 5 行不能导入" in text
    assert "第 3 行" in text and "缺少姓名" in text
    assert "第 5 行" in text and "没有这个角色：校长" in text
    assert "第 6 行" in text and "手机号不对" in text
    assert "第 7 行" in text and "与第 2 行重名" in text
    assert "第 8 行" in text and "管理员不能通过名单导入" in text
    await tg.answer(await tg.tap(people.admin, preview, "取消"))
    await tg.message(people.admin.id, "没有导入")
    assert await services(bot).db.fetchval("SELECT COUNT(*) FROM roster") == 0


async def test_roster_import_command_then_csv_file(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.admin, "/roster_import")
    await tg.message(people.admin.id, "作为文件发给我")
    data = "姓名,角色,部门\n钱老师,老师,初一\n孙老师,教职工,初二\n赵师傅,维修,\n".encode("gb18030")
    await tg.send_document(people.admin, data, file_name="roster.csv", mime_type="text/csv")
    preview = await tg.message(people.admin.id, "名单预览")
    assert "可导入 3 人" in message_text(preview)
    await tg.answer(await tg.tap(people.admin, preview, "导入"))
    done = message_text(await tg.message(people.admin.id, "名单已导入"))
    assert "新增 3 人" in done and "1 人已经在用" in done  # 孙老师 is registered already
    # Tapping 导入 again imports nothing twice.
    again = await tg.answer(await tg.tap_data(people.admin, preview, "rs:imp:1"))
    assert "已经处理过" in again["text"]
    assert await services(bot).db.fetchval("SELECT COUNT(*) FROM roster") == 3


async def test_roster_name_with_another_role_waits_for_an_admin(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    [newcomer] = teachers(1)
    await import_roster(tg, people.admin, [["姓名", "角色"], [newcomer.first_name, "监督员"]])
    code = await school_link(tg, people.admin)
    await tg.send_text(newcomer, f"/start {code}")
    await tg.message(newcomer.id, "等待")
    request = message_text(await tg.message(people.admin.id, "申请加入"))
    assert "名单上此人是监督员" in request
    assert await roles_of(bot, newcomer.id) is None


# ---- removal --------------------------------------------------------------------------------
async def test_a_removed_repairers_open_job_returns_to_the_supervisors(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="教学楼302教室 门锁坏了")
    await tg.message(people.teacher.id, "已提交")
    note = await tg.message(people.supervisor.id, "新报修")
    await tg.answer(await tg.tap(people.supervisor, note, "受理"))
    job = await tg.message(people.repairer.id, "派给您的维修任务")

    await tg.send_text(people.admin, f"/remove {people.repairer.id}")
    reply = message_text(await tg.message(people.admin.id, "已移除"))
    assert "#1" in reply and "退回" in reply
    for supervisor in (people.supervisor, people.supervisor2):
        back = await tg.message(supervisor.id, "退回待受理")
        assert "刘师傅" in message_text(back) and "重新派工" in message_text(back)
        assert any("受理" in b["text"] for row in back["reply_markup"]["inline_keyboard"]
                   for b in row)  # fmt: skip
    ticket = await repairs_repo.get(services(bot).db, 1)
    assert ticket is not None and ticket.state is RepairState.NEW and ticket.assignee_id is None
    # The old job lost its buttons, and a tap on them (an old client) is refused.
    await tg.wait_for(lambda: not tg.current(job).get("reply_markup"))
    refused = await tg.answer(await tg.tap_data(people.repairer, job, "rp:dn:1"))
    assert "邀请" in refused["text"]
    entry = await services(bot).db.fetchone(
        "SELECT actor_id, actor_name, detail FROM audit WHERE action = 'person.remove'"
        " AND subject = ?",
        (f"person:{people.repairer.id}",),
    )
    assert entry is not None and entry["actor_id"] == people.admin.id
    assert "刘师傅 removed by 王校长" in entry["detail"]


async def test_a_removed_person_cannot_rejoin_by_name_alone(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await import_roster(tg, people.admin, [["姓名", "角色"], [people.teacher.first_name, "教职工"]])
    await tg.send_text(people.admin, f"/remove {people.teacher.id}")
    await tg.message(people.admin.id, "已移除")
    code = await school_link(tg, people.admin)
    await tg.send_text(people.teacher, f"/start {code}")
    await tg.message(people.teacher.id, "等待")
    assert "曾被移除" in message_text(await tg.message(people.admin.id, "申请加入"))
    assert await roles_of(bot, people.teacher.id) is None


# ---- groups ---------------------------------------------------------------------------------
async def test_setpublic_then_the_daily_posting_goes_to_that_group(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await tg.send_text(people.admin, "/setpublic", chat_id=STAFF_GROUP)
    said = await tg.message(STAFF_GROUP, "采购公示")
    assert "每周食谱" in message_text(said)
    svc = services(bot)
    purchaser = await people_repo.get(svc.db, people.purchaser.id)
    supervisor = await people_repo.get(svc.db, people.supervisor.id)
    assert purchaser is not None and supervisor is not None
    draft = await purchase_service.start_draft(svc, purchaser, "猪肉 20斤 13.5")
    await purchase_service.submit(svc, purchaser, draft.purchase.id)
    await purchase_service.confirm(svc, supervisor, draft.purchase.id)
    clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=SHANGHAI))
    assert bot.job_queue is not None
    [job] = bot.job_queue.get_jobs_by_name(purchase_jobs.POST_JOB)
    await job.run(bot)
    picture = await tg.message(STAFF_GROUP, "食堂采购公示 2026-11-23")
    assert bytes(picture["_bytes"]).startswith(b"\x89PNG")


async def test_only_an_admin_sets_the_public_group(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "/setpublic", chat_id=STAFF_GROUP)
    assert "只有管理员" in message_text(await tg.message(STAFF_GROUP))
    assert await services(bot).db.fetchval("SELECT COUNT(*) FROM settings_kv") == 0


async def test_admins_learn_the_name_and_id_of_a_group_the_bot_joined(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.add_bot_to_group(people.teacher, STAFF_GROUP, "初一年级组")
    told = message_text(await tg.message(people.admin.id, "初一年级组"))
    assert str(STAFF_GROUP) in told and "/setpublic" in told


async def test_a_repair_photo_marked_in_the_staff_group_becomes_a_report(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "今天开会吗？", chat_id=STAFF_GROUP)
    await tg.send_photo(
        people.teacher, jpeg_bytes(), caption="#报修 教学楼302教室 门锁坏了", chat_id=STAFF_GROUP
    )
    answer = await tg.message(STAFF_GROUP, "已登记报修单 #1")
    assert "私聊" in message_text(answer)
    private = message_text(await tg.message(people.teacher.id, "报修单 #1 已提交"))
    assert "教学楼302教室" in private
    note = await tg.message(people.supervisor.id, "新报修")
    assert note.get("photo") and "门锁坏了" in message_text(note)
    assert "#报修" not in message_text(note)
    ticket = await repairs_repo.get(services(bot).db, 1)
    assert ticket is not None and ticket.reporter_id == people.teacher.id
    # The chatter before it got no answer: the only group message is the report's.
    assert [m for m in tg.sent if m["chat"]["id"] == STAFF_GROUP] == [answer]


async def test_a_text_report_with_the_prefix_in_the_group(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "报修：二楼男厕水龙头漏水", chat_id=STAFF_GROUP)
    await tg.message(STAFF_GROUP, "已登记报修单 #1")
    ticket = await repairs_repo.get(services(bot).db, 1)
    assert ticket is not None and "水龙头" in ticket.description


# ---- the main keyboard ----------------------------------------------------------------------
async def test_main_keyboard_buttons_by_role_and_they_work(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "/start")
    keys = tg.keyboard(await tg.message(people.teacher.id, "您可以"))
    assert keys == ["📷 报修", "我的报修", "本周食谱", "帮助"]
    await tg.send_text(people.purchaser, "/help")
    keys = tg.keyboard(await tg.message(people.purchaser.id, "您可以"))
    assert "🧾 登记采购" in keys and "今天的采购" in keys

    await tg.send_photo(people.teacher, jpeg_bytes(), caption="教学楼302教室 门锁坏了")
    await tg.message(people.teacher.id, "已提交")
    await tg.send_text(people.teacher, "我的报修")
    assert "#1" in message_text(await tg.message(people.teacher.id, "门锁"))
    await tg.send_text(people.teacher, "📷 报修")
    await tg.message(people.teacher.id, "位置")  # the guided /repair conversation started
    await tg.send_text(people.teacher, "/cancel")
    await tg.message(people.teacher.id, "取消")
    await tg.send_text(people.purchaser, "🧾 登记采购")
    assert "采购" in message_text(await tg.message(people.purchaser.id))


async def test_after_setpublic_the_weekly_menu_goes_to_that_group_instead(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await tg.send_text(people.admin, "/setpublic", chat_id=STAFF_GROUP)
    await tg.message(STAFF_GROUP, "每周食谱")
    await tg.send_text(people.canteen, "/setmenu\n周一 午餐：红烧肉，米饭")
    preview = await tg.message(people.canteen.id, "预览")
    await tg.answer(await tg.tap(people.canteen, preview, "保存"))
    clock.set(datetime(2026, 11, 29, 17, 0, tzinfo=SHANGHAI))
    assert bot.job_queue is not None
    [weekly] = bot.job_queue.get_jobs_by_name("menu:weekly")
    await weekly.run(bot)
    assert (await tg.message(STAFF_GROUP, "周食谱")).get("photo")
    assert "红烧肉" in message_text(await tg.message(STAFF_GROUP, "下周"))
