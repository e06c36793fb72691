"""The storeroom end to end: stock in, requisitions, parts used at a repair, one alert."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from docx import Document

from bot.app import App
from bot.domain.roles import Role
from storage import stock as stock_repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram
from tests.fakebot.running import register, services, settled
from tests.fakebot.server import TgUser, buttons, message_text
from tests.images import jpeg_bytes
from tests.test_purchases_flow import submit

KEEPER = TgUser(1009, "钱仓管")


@pytest.fixture
async def keeper(bot: App) -> TgUser:
    await register(services(bot), KEEPER, Role.STOREKEEPER)
    return KEEPER


async def stock_in(tg: FakeTelegram, keeper: TgUser, line: str) -> str:
    await tg.send_text(keeper, f"/stock in {line}")
    return message_text(await tg.message(keeper.id, "已入库"))


async def quantity(app: App, name: str) -> Decimal:
    item = await stock_repo.by_name(services(app).db, name)
    assert item is not None
    return item.quantity


async def alerts_to(app: App, chat_id: int) -> int:
    rows = await services(app).db.fetchall(
        "SELECT payload FROM outbox WHERE chat_id = ?", (chat_id,)
    )
    return sum("库存不足" in json.loads(r["payload"]).get("text", "") for r in rows)


async def test_stock_in_and_the_list_shows_quantity_and_value(
    bot: App, tg: FakeTelegram, people: Cast, keeper: TgUser
) -> None:
    assert "灯管现有 50根" in await stock_in(tg, keeper, "灯管 50根 6.5")
    assert "灯管现有 60根" in await stock_in(tg, keeper, "灯管 10根 8")
    await tg.send_text(people.teacher, "/stock")
    listing = message_text(await tg.message(people.teacher.id, "库存"))
    # 50 x 6.5 + 10 x 8 = 405.00, at an average cost of 6.75
    assert "灯管 60根，405.00 元" in listing
    assert "合计 405.00 元" in listing


async def test_a_teacher_cannot_stock_in(bot: App, tg: FakeTelegram, people: Cast) -> None:
    await tg.send_text(people.teacher, "/stock in 灯管 50根 6.5")
    await tg.message(people.teacher.id, "仓库管理员")
    assert await stock_repo.all_items(services(bot).db) == []


async def test_a_storekeeper_role_is_granted_by_its_chinese_name(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.admin, f"/grant {people.teacher.id} 仓库管理员")
    await tg.message(people.admin.id, "仓库管理员")
    assert "灯管现有 5根" in await stock_in(tg, people.teacher, "灯管 5根")


async def test_a_requisition_approved_with_one_tap_and_signed_with_another(
    bot: App, tg: FakeTelegram, people: Cast, keeper: TgUser
) -> None:
    await stock_in(tg, keeper, "作业本 100本 1.2")
    await tg.send_text(people.teacher, "/领用 作业本 40本 三年级二班")
    await tg.message(people.teacher.id, "领用申请 #1 已提交")
    asked = await tg.message(keeper.id, "领用申请 #1")
    assert "孙老师" in message_text(asked) and "三年级二班" in message_text(asked)
    assert await quantity(bot, "作业本") == 100  # nothing leaves before the storekeeper agrees

    await tg.answer(await tg.tap(keeper, asked, "同意"))
    told = await tg.message(people.teacher.id, "已同意")
    assert await quantity(bot, "作业本") == 60
    assert "✍️ 确认领到" in buttons(told)
    # Only the requester signs.
    forged = await tg.answer(await tg.tap(keeper, told, "确认领到"))
    assert "不是您的" in forged["text"]
    signed = await tg.answer(await tg.tap(people.teacher, told, "确认领到"))
    assert "已签收" in signed["text"]

    req = await stock_repo.requisition(services(bot).db, 1)
    assert req is not None and req.state == "received"
    moves = await stock_repo.moves(services(bot).db)
    out = moves[-1]
    assert (out.delta, out.by_name) == (Decimal(-40), "钱仓管")
    assert "领用 #1" in out.reason and "三年级二班" in out.reason


async def test_a_requisition_is_refused_when_stock_is_short(
    bot: App, tg: FakeTelegram, people: Cast, keeper: TgUser
) -> None:
    await stock_in(tg, keeper, "作业本 30本")
    await tg.send_text(people.teacher, "/领用 作业本 40本 三年级二班")
    reply = message_text(await tg.message(people.teacher.id, "库存不足"))
    assert "只剩 30本" in reply
    assert await stock_repo.requisition(services(bot).db, 1) is None
    assert await quantity(bot, "作业本") == 30


async def test_a_second_tap_on_a_decided_requisition_changes_nothing(
    bot: App, tg: FakeTelegram, people: Cast, keeper: TgUser
) -> None:
    await stock_in(tg, keeper, "粉笔 10盒")
    await tg.send_text(people.teacher, "/领用 粉笔 2盒 初一3班")
    asked = await tg.message(keeper.id, "领用申请 #1")
    await tg.answer(await tg.tap(keeper, asked, "同意"))
    again = await tg.answer(await tg.tap_data(keeper, asked, "st:ok:1"))
    assert "已处理" in again["text"]
    assert await quantity(bot, "粉笔") == 8


async def _repair_done(
    tg: FakeTelegram, people: Cast, ask: str = "用了哪些材料"
) -> dict[str, object]:
    """A report accepted, started and completed; the repairer's parts question."""
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="教学楼302教室 灯管不亮")
    await tg.message(people.teacher.id, "已提交")
    note = await tg.message(people.supervisor.id, "#1")
    await tg.answer(await tg.tap(people.supervisor, note, "受理"))
    job = await tg.message(people.repairer.id, "派给您的维修任务")
    await tg.answer(await tg.tap(people.repairer, job, "开始"))
    prompt = await tg.message(people.repairer.id, "修好后点")
    await tg.answer(await tg.tap(people.repairer, prompt, "完成"))
    await tg.message(people.repairer.id, "修好后的照片")
    await tg.send_text(people.repairer, "换了灯管和启辉器")
    await tg.message(people.repairer.id, "已标记完成")
    return await tg.message(people.repairer.id, ask)


async def test_parts_used_at_a_repair_lower_stock_exactly_and_alert_once(
    bot: App, tg: FakeTelegram, people: Cast, keeper: TgUser
) -> None:
    await stock_in(tg, keeper, "灯管 10根 6.5")
    await stock_in(tg, keeper, "启辉器 20个 1.5")
    await stock_in(tg, keeper, "电线 100米 2")
    await tg.send_text(keeper, "/stock min 灯管 8")
    await tg.message(keeper.id, "低于 8根")

    question = await _repair_done(tg, people)
    await tg.send_text(people.repairer, "换灯管2根 启辉器1个 电线2.5米", reply_to=question)
    said = message_text(await tg.message(people.repairer.id, "已记入报修单 #1"))
    assert "灯管还剩 8根" in said
    assert await quantity(bot, "灯管") == 8
    assert await quantity(bot, "启辉器") == 19
    assert await quantity(bot, "电线") == Decimal("97.5")
    assert await alerts_to(bot, keeper.id) == 0  # 8 is the minimum, not below it

    # One tap on a part's button: one more. Now below the minimum: one alert each.
    answered = await tg.answer(await tg.tap(people.repairer, question, "灯管 +1"))
    assert "灯管还剩 7根" in answered["text"]
    alert = message_text(await tg.message(keeper.id, "库存不足"))
    assert "灯管只剩 7根" in alert and "建议采购 9根" in alert
    await tg.message(people.purchaser.id, "建议采购 9根")
    await tg.answer(await tg.tap(people.repairer, question, "灯管 +1"))
    assert await quantity(bot, "灯管") == 6
    assert await alerts_to(bot, keeper.id) == 1
    assert await alerts_to(bot, people.purchaser.id) == 1

    moves = await stock_repo.moves(services(bot).db, repair_id=1)
    assert sum(m.delta for m in moves if m.item == "灯管") == Decimal(-4)
    assert all(m.by_name == "刘师傅" and m.reason == "维修 #1" for m in moves)


async def test_only_the_repairer_of_the_job_records_parts(
    bot: App, tg: FakeTelegram, people: Cast, keeper: TgUser
) -> None:
    await stock_in(tg, keeper, "灯管 10根")
    question = await _repair_done(tg, people)
    forged = await tg.answer(await tg.tap(people.teacher, question, "灯管 +1"))
    assert "维修工" in forged["text"]
    assert await quantity(bot, "灯管") == 10


async def test_place_history_shows_the_parts_and_their_cost(
    bot: App, tg: FakeTelegram, people: Cast, keeper: TgUser
) -> None:
    await tg.send_text(people.admin, "/places add 教学楼 302教室")
    await tg.message(people.admin.id, "已添加地点")
    await stock_in(tg, keeper, "灯管 10根 6.5")
    question = await _repair_done(tg, people)
    await tg.send_text(people.repairer, "换灯管两根", reply_to=question)
    await tg.message(people.repairer.id, "已记入报修单 #1")
    await tg.send_text(people.teacher, "/place 302")
    text = message_text(await tg.message(people.teacher.id, "报修记录"))
    assert "教学楼 302教室" in text and "已完成" in text and "刘师傅" in text
    assert "用料：灯管 2根，13.00 元" in text and "用料合计 13.00 元" in text


async def test_the_year_report_counts_the_parts_used_at_repairs(
    bot: App, tg: FakeTelegram, people: Cast, keeper: TgUser
) -> None:
    await stock_in(tg, keeper, "灯管 100根 6.5")
    await stock_in(tg, keeper, "水龙头 30个 25")
    await stock_in(tg, keeper, "作业本 100本")
    question = await _repair_done(tg, people)
    await tg.send_text(people.repairer, "换灯管3根 水龙头1个", reply_to=question)
    await tg.message(people.repairer.id, "已记入报修单 #1")
    await tg.answer(await tg.tap(people.repairer, question, "灯管 +1"))
    await tg.send_text(people.teacher, "/领用 作业本 40本 三年级二班")  # not a repair part
    asked = await tg.message(keeper.id, "领用申请 #1")
    await tg.answer(await tg.tap(keeper, asked, "同意"))
    await tg.send_text(people.supervisor, "/report 2026")
    report = message_text(await tg.message(people.supervisor.id, "后勤工作统计"))
    assert "更换用料：灯管 4根、水龙头 1个" in report
    assert "作业本" not in report
    # The drafted 总结 says it in the seeds' words, in its 维修服务 section.
    chat = people.supervisor.id
    sent = await tg.wait_for(
        lambda: next((m for m in tg.sent if "document" in m and m["chat"]["id"] == chat), None)
    )
    text = "\n".join(p.text for p in Document(io.BytesIO(sent["_bytes"])).paragraphs)
    repairs = text[text.index("一、维修服务") : text.index("二、食堂管理")]
    assert "全年维修中更换灯管 4 根、水龙头 1 个。" in repairs
    assert "作业本" not in text


async def test_a_teacher_taps_the_item_then_says_how_many_and_what_for(
    bot: App, tg: FakeTelegram, people: Cast, keeper: TgUser
) -> None:
    await stock_in(tg, keeper, "作业本 100本")
    await stock_in(tg, keeper, "粉笔 20盒")
    await tg.send_text(people.teacher, "/领用")
    menu = await tg.message(people.teacher.id, "要领什么")
    assert "作业本（100本）" in buttons(menu)
    await tg.answer(await tg.tap(people.teacher, menu, "作业本"))
    await tg.message(people.teacher.id, "请写数量和用途")
    await tg.send_text(people.teacher, "500本 三年级二班")  # more than there is: try again
    await tg.message(people.teacher.id, "库存不足")
    await tg.send_text(people.teacher, "40本 三年级二班")
    await tg.message(people.teacher.id, "领用申请 #1 已提交")
    asked = await tg.message(keeper.id, "领用申请 #1")
    assert "作业本 40本" in message_text(asked) and "三年级二班" in message_text(asked)


async def test_a_confirmed_purchase_of_stocked_items_goes_into_stock(
    bot: App, tg: FakeTelegram, people: Cast, keeper: TgUser
) -> None:
    await stock_in(tg, keeper, "灯管 10根 6")
    await tg.send_text(keeper, "/stock min 灯管 8")
    await tg.message(keeper.id, "低于 8根")
    pid, _ = await submit(tg, people.purchaser, "灯管 50根 7.2\n猪肉 20斤 13.5")
    assert await quantity(bot, "灯管") == 10  # not before the supervisor signs
    note = await tg.message(people.supervisor.id, "待确认")
    await tg.answer(await tg.tap(people.supervisor, note, "确认"))
    await tg.message(people.purchaser.id, f"采购单 #{pid}")
    item = await stock_repo.by_name(services(bot).db, "灯管")
    assert item is not None and item.quantity == 60
    assert item.unit_cost == Decimal("7.0")  # (10 x 6 + 50 x 7.2) / 60
    assert await stock_repo.by_name(services(bot).db, "猪肉") is None  # food is not stocked
    moves = await stock_repo.moves(services(bot).db)
    assert (moves[-1].delta, moves[-1].reason, moves[-1].by_name) == (
        Decimal(50), f"采购 #{pid}", "李监督",
    )  # fmt: skip


async def test_a_teacher_who_tapped_an_item_can_say_never_mind(
    bot: App, tg: FakeTelegram, people: Cast, keeper: TgUser
) -> None:
    await stock_in(tg, keeper, "作业本 100本")
    await tg.send_text(people.teacher, "我要领用")  # in words, as /领用
    menu = await tg.message(people.teacher.id, "要领什么")
    await tg.answer(await tg.tap(people.teacher, menu, "作业本"))
    await tg.message(people.teacher.id, "请写数量和用途")
    await tg.send_text(people.teacher, "不要了")  # not the amount 「不要了」
    await tg.message(people.teacher.id, "这次不领了")
    await tg.send_text(people.teacher, "40本 三年级二班")  # no item chosen any more
    assert not [m for m in await settled(tg, bot, people.teacher.id) if "已提交" in message_text(m)]
