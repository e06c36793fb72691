"""Everyday messages in context (issue 11): photos go where they belong, text alone is a
request too, replies mean what they say. Through the real Application."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bot.app import App
from bot.clock import FrozenClock
from bot.domain.repairs import RepairState, RepairTicket
from bot.domain.roles import Role
from storage import purchases as purchase_repo
from storage import repairs as repair_repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram, TgUser, buttons, message_text
from tests.fakebot.running import register, services, settled
from tests.images import jpeg_bytes
from tests.test_patrols_flow import at, checklist, run_round_job
from tests.test_purchases_flow import submit


async def _repair_count(app: App) -> int:
    return int(await services(app).db.fetchval("SELECT COUNT(*) FROM repairs") or 0)


async def test_certificate_photo_after_submitting_attaches_to_the_purchase(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    pid, _ = await submit(tg, people.purchaser)
    await tg.message(people.supervisor.id, f"采购单 #{pid} 待确认")
    clock.advance(timedelta(hours=5))  # long after: the caption says what it is
    await tg.send_photo(people.purchaser, jpeg_bytes(), caption="猪肉合格证 补上")
    told = await tg.message(people.purchaser.id, f"采购单 #{pid}")
    assert "合格证" in told["text"] and "报修" not in told["text"]
    forwarded = await tg.message(people.supervisor.id, "补了合格证照片")
    assert forwarded.get("photo") and f"#{pid}" in forwarded["caption"]
    purchase = await purchase_repo.get(services(bot).db, pid)
    assert purchase is not None and [p.kind.value for p in purchase.photos] == ["certificate"]
    assert await _repair_count(bot) == 0


async def test_purchasers_photo_soon_after_submitting_is_that_purchases(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    pid, _ = await submit(tg, people.purchaser)
    clock.advance(timedelta(minutes=30))
    await tg.send_photo(people.purchaser, jpeg_bytes(), caption="鸡蛋的")
    await tg.message(people.purchaser.id, f"补到采购单 #{pid}")
    assert await _repair_count(bot) == 0


async def test_purchasers_repair_photo_after_submitting_is_still_a_repair(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await submit(tg, people.purchaser)
    await tg.send_photo(people.purchaser, jpeg_bytes(), caption="食堂后厨 水管漏水")
    await tg.message(people.purchaser.id, "已提交")
    assert await _repair_count(bot) == 1


async def test_photo_replying_to_a_purchase_message_attaches_to_it(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    pid, _ = await submit(tg, people.purchaser)
    clock.advance(timedelta(hours=6))  # long after, and the caption says nothing
    answer = next(
        m
        for m in tg.sent
        if m["chat"]["id"] == people.purchaser.id and "已提交" in (m.get("text") or "")
    )
    await tg.send_photo(people.purchaser, jpeg_bytes(), caption="这个", reply_to=answer)
    ask = await tg.message(people.purchaser.id, "这张合格证是哪一项的？")  # two lines miss one
    await tg.answer(await tg.tap(people.purchaser, ask, "猪肉"))
    await tg.message(people.supervisor.id, "补了合格证照片")
    assert f"补到采购单 #{pid}" in message_text(tg.current(ask))
    assert await _repair_count(bot) == 0


async def test_canteen_photo_without_place_or_fault_asks_if_it_is_a_repair(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_photo(people.canteen, jpeg_bytes(), caption="下周菜谱 手写的 帮忙录一下")
    ask = await tg.message(people.canteen.id, "这是报修吗？")
    assert buttons(ask) == ["是，报修", "不是"]
    assert await _repair_count(bot) == 0
    await tg.tap(people.canteen, ask, "不是")
    await tg.message(people.canteen.id, "不作报修")
    assert await _repair_count(bot) == 0
    assert await settled(tg, bot, people.supervisor.id) == []


async def test_answering_yes_files_the_waiting_photo_as_a_repair(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_photo(people.canteen, jpeg_bytes(), caption="这个也看看")
    ask = await tg.message(people.canteen.id, "这是报修吗？")
    await tg.tap(people.canteen, ask, "是，报修")
    await tg.message(people.canteen.id, "已提交")
    assert await _repair_count(bot) == 1


async def test_teacher_photo_with_any_caption_is_still_a_repair(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="这个也看看")
    await tg.message(people.teacher.id, "已提交")
    assert await _repair_count(bot) == 1


# ---- text alone is a request too -----------------------------------------------------
async def test_text_with_a_place_and_a_fault_is_offered_as_a_repair(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "办公室空调不制冷了")
    offer = await tg.message(people.teacher.id, "要把这条作为报修提交吗？")
    assert buttons(offer) == ["提交报修", "补充照片", "取消"]
    assert await _repair_count(bot) == 0
    await tg.tap(people.teacher, offer, "提交报修")
    done = await tg.message(people.teacher.id, "已提交")
    assert "办公室" in done["text"]
    assert await _repair_count(bot) == 1
    await tg.message(people.supervisor.id, "办公室")


async def test_offered_repair_takes_the_next_photo_after_supplementing(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "3号楼男厕下水道堵了")
    offer = await tg.message(people.teacher.id, "要把这条作为报修提交吗？")
    await tg.tap(people.teacher, offer, "补充照片")
    await tg.message(people.teacher.id, "请发照片")
    await tg.send_photo(people.teacher, jpeg_bytes())
    done = await tg.message(people.teacher.id, "已提交")
    assert "3号楼" in done["text"] and "照片：1张" in done["text"]
    assert await _repair_count(bot) == 1


async def test_offered_repair_can_be_cancelled(bot: App, tg: FakeTelegram, people: Cast) -> None:
    await tg.send_text(people.teacher, "3号楼男厕下水道堵了")
    offer = await tg.message(people.teacher.id, "要把这条作为报修提交吗？")
    await tg.tap(people.teacher, offer, "取消")
    await tg.message(people.teacher.id, "没有提交")
    assert await _repair_count(bot) == 0


async def test_offered_repair_is_dropped_by_typing_cancel_words(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "3号楼男厕下水道堵了")
    offer = await tg.message(people.teacher.id, "要把这条作为报修提交吗？")
    await tg.send_text(people.teacher, "算了")
    await tg.message(people.teacher.id, "好的，没有提交")
    await tg.tap(people.teacher, offer, "提交报修")  # too late: it was dropped
    await tg.message(people.teacher.id, "已经处理过了")
    assert await _repair_count(bot) == 0


async def test_greetings_and_how_to_questions_get_the_persons_own_help(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    for text in ("您好", "帮助", "怎么报修"):
        await tg.send_text(people.teacher, text)
        reply = await tg.message(people.teacher.id)
        assert "孙老师" in reply["text"] and "没看懂" not in reply["text"], text
    await tg.send_text(people.purchaser, "在吗？")
    reply = await tg.message(people.purchaser.id)
    assert "采购" in reply["text"] and "没看懂" not in reply["text"]


async def test_asking_in_words_for_the_list_or_the_menu_answers_as_the_command_would(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="教学楼302教室 门锁坏了")
    await tg.message(people.teacher.id, "已提交")
    await tg.send_text(people.teacher, "我的报修怎么样了？")
    listed = await tg.message(people.teacher.id, "教学楼302教室")
    await tg.send_text(people.teacher, "/repairs")
    assert message_text(await tg.message(people.teacher.id, "教学楼302教室")) == message_text(
        listed
    )
    await tg.send_text(people.teacher, "明天吃什么")
    menu = await tg.message(people.teacher.id, "食谱")
    assert "11月24日" in message_text(menu) and "没看懂" not in message_text(menu)


async def test_thanks_with_nothing_open_gets_a_polite_answer(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "谢谢师傅！")
    assert message_text(await tg.message(people.teacher.id)) == "不客气！有需要随时发消息给我。"
    await tg.send_text(people.teacher, "ｏｋ")
    assert "没看懂" not in message_text(await tg.message(people.teacher.id, "好的"))


async def test_cancel_with_nothing_open_says_so(bot: App, tg: FakeTelegram, people: Cast) -> None:
    await tg.send_text(people.teacher, "取消")
    await tg.message(people.teacher.id, "当前没有进行中的操作")


async def test_fault_without_a_place_is_offered_asking_where_and_a_trapped_person_is_urgent(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "电梯卡住了，有人在里面！")
    offer = await tg.message(people.teacher.id, "要把这条作为报修提交吗？")
    assert "没看到地点" in message_text(offer)
    await tg.tap(people.teacher, offer, "提交报修")
    await tg.message(people.teacher.id, "已提交")
    await tg.message(people.supervisor.id, "🚨 紧急报修")


async def test_voice_and_sticker_get_a_hint_of_what_to_send(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_voice_or_sticker(people.teacher, "voice")
    voice = await tg.message(people.teacher.id)
    assert "语音" in voice["text"] and "打字" in voice["text"]
    await tg.send_voice_or_sticker(people.teacher, "sticker")
    sticker = await tg.message(people.teacher.id)
    assert "照片" in sticker["text"] and "没看懂" not in sticker["text"]


async def test_purchaser_pasting_lines_without_the_command_gets_the_draft(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.purchaser, "猪肉 20斤 13.5\n白菜 50斤 1.2")
    preview = await tg.message(people.purchaser.id, "采购单草稿")
    assert "合计 330.00 元" in preview["text"]
    await tg.send_text(people.purchaser, "鸡蛋 3斤 4")
    again = await tg.shown(people.purchaser.id, "采购单草稿")
    assert "合计 342.00 元" in again["text"]


async def test_lines_from_someone_who_is_not_a_purchaser_are_not_a_draft(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.teacher, "猪肉 20斤 13.5")
    reply = await tg.message(people.teacher.id)
    assert "草稿" not in reply["text"]


# ---- replies mean what they say --------------------------------------------------------
async def _reported(
    tg: FakeTelegram, people: Cast, caption: str = "302 水管漏水"
) -> tuple[int, dict[str, Any]]:
    await tg.send_photo(people.teacher, jpeg_bytes(), caption=caption)
    done = await tg.message(people.teacher.id, "已提交")
    rid = int(message_text(done).split("#", 1)[1].split()[0])
    return rid, await tg.message(people.supervisor.id, f"#{rid}")


async def _state(app: App, rid: int) -> RepairTicket:
    ticket = await repair_repo.get(services(app).db, rid)
    assert ticket is not None
    return ticket


async def test_accept_with_a_repairers_name_assigns_that_repairer(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await register(services(bot), TgUser(1010, "马师傅"), Role.REPAIRER)
    rid, note = await _reported(tg, people)
    await tg.send_text(people.supervisor, "受理 刘师傅", reply_to=note)
    await tg.message(people.supervisor.id, "已受理报修单")
    ticket = await _state(bot, rid)
    assert ticket.state is RepairState.ACCEPTED and ticket.assignee_name == "刘师傅"
    await tg.message(people.repairer.id, "派给您的维修任务")


async def test_on_my_way_starts_and_a_complaint_sends_the_repair_back(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, note = await _reported(tg, people)
    await tg.send_text(people.supervisor, "受理", reply_to=note)
    job = await tg.message(people.repairer.id, "派给您的维修任务")
    await tg.send_text(people.repairer, "马上到", reply_to=job)
    await tg.message(people.repairer.id, "开始")
    assert (await _state(bot, rid)).state is RepairState.IN_PROGRESS
    await tg.send_text(people.repairer, "完成 换了阀门", reply_to=job)
    done = await tg.message(people.teacher.id, "换了阀门")
    await tg.send_text(people.teacher, "还是在滴水，没修好", reply_to=done)
    await tg.message(people.teacher.id, "返修")
    ticket = await _state(bot, rid)
    assert ticket.state is RepairState.IN_PROGRESS and ticket.reopen_count == 1
    assert ticket.reason == "还是在滴水，没修好"


async def test_supervisor_confirms_a_purchase_with_words_anywhere(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    pid, _ = await submit(tg, people.purchaser)
    note = await tg.message(people.supervisor.id, f"采购单 #{pid} 待确认")
    await tg.send_text(people.supervisor, "确认，清点无误", reply_to=note)
    await tg.message(people.supervisor.id, "已确认")
    purchase = await purchase_repo.get(services(bot).db, pid)
    assert purchase is not None and purchase.state.value == "confirmed"


async def test_unclear_reply_to_a_purchase_gets_a_question_with_buttons(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    pid, _ = await submit(tg, people.purchaser)
    note = await tg.message(people.supervisor.id, f"采购单 #{pid} 待确认")
    await tg.send_text(people.supervisor, "猪肉好像少了", reply_to=note)
    ask = await tg.message(people.supervisor.id, "是确认还是驳回")
    assert buttons(ask) == ["✅ 确认", "❌ 驳回"]
    await tg.answer(await tg.tap(people.supervisor, ask, "确认"))
    purchase = await purchase_repo.get(services(bot).db, pid)
    assert purchase is not None and purchase.state.value == "confirmed"


async def test_unclear_reply_to_a_repair_gets_a_question_with_buttons(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, note = await _reported(tg, people)
    await tg.send_text(people.supervisor, "这个谁负责", reply_to=note)
    ask = await tg.message(people.supervisor.id, "没看明白这条回复")
    assert "✅ 受理" in buttons(ask) and "❌ 驳回" in buttons(ask)
    assert (await _state(bot, rid)).state is RepairState.NEW


async def test_reporters_note_is_kept_and_forwarded_to_the_repairer(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, note = await _reported(tg, people)
    submitted = next(
        m for m in tg.sent if m["chat"]["id"] == people.teacher.id and "已提交" in message_text(m)
    )
    await tg.send_text(people.supervisor, "受理", reply_to=note)
    await tg.message(people.repairer.id, "派给您的维修任务")
    await tg.send_text(people.teacher, "好的，谢谢", reply_to=submitted)
    await tg.message(people.teacher.id, "不客气")
    await tg.send_text(people.teacher, "补充：地上全是水，挺急的", reply_to=submitted)
    await tg.message(people.teacher.id, "已补充到报修单")
    passed = await tg.message(people.repairer.id, "地上全是水")
    assert not [
        m for m in tg.sent if m["chat"]["id"] == people.repairer.id and "谢谢" in message_text(m)
    ]
    assert f"#{rid}" in message_text(passed)
    await tg.send_photo(people.teacher, jpeg_bytes(), caption="现在这样", reply_to=submitted)
    await tg.message(people.teacher.id, "已补充到报修单")
    photo = await tg.message(people.repairer.id, "现在这样")
    assert photo.get("photo")
    await tg.send_text(people.teacher, f"/repair {rid}")
    card = await tg.message(people.teacher.id, "报修人补充")
    assert "地上全是水" in message_text(card)
    assert await _repair_count(bot) == 1


async def test_repairers_words_after_the_done_photo_become_the_done_note(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, note = await _reported(tg, people, "3号楼男厕 下水道堵了")
    await tg.send_text(people.supervisor, "受理", reply_to=note)
    job = await tg.message(people.repairer.id, "派给您的维修任务")
    await tg.send_photo(people.repairer, jpeg_bytes(), reply_to=job, media_group_id="after1")
    await tg.send_photo(people.repairer, jpeg_bytes(), reply_to=job, media_group_id="after1")
    first = await tg.message(people.teacher.id, "已修好")
    second = await tg.message(people.teacher.id, "修好后的照片")
    assert first.get("photo") and second.get("photo")  # both after-photos reach the reporter
    await tg.send_text(people.repairer, "用疏通机通开了 是头发和纸巾堵的")
    await tg.message(people.repairer.id, "已把说明记到报修单")
    told = await tg.message(people.teacher.id, "维修说明")
    assert "是头发和纸巾堵的" in message_text(told)
    ticket = await _state(bot, rid)
    assert ticket.state is RepairState.DONE
    assert ticket.done_note == "用疏通机通开了 是头发和纸巾堵的"


async def test_patrol_note_sent_without_reply_attaches_to_the_open_warning_item(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await run_round_job(bot, clock, at(21, 30), "night")
    msg = await checklist(tg, people, "学生就寝后）巡查")
    await tg.answer(await tg.tap(people.patrol, msg, "全部正常"))
    await tg.answer(await tg.tap(people.patrol, msg, "3."))
    await tg.message(people.patrol.id, "水龙头")
    await tg.send_text(people.patrol, "二楼男厕水龙头关不紧，一直滴水")  # no reply
    await tg.message(people.patrol.id, "说明已记下")
    assert "一直滴水" in message_text(tg.current(msg))
    assert await _repair_count(bot) == 0
    offer = [m for m in tg.sent if "作为报修提交" in message_text(m)]
    assert offer == []


# ---- certificates per line -------------------------------------------------------------
async def test_certificate_captioned_with_an_item_attaches_to_that_line(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.purchaser, "/purchase\n猪肉 20斤 13.5\n白菜 50斤 1.2\n鸡蛋 3斤 4")
    preview = await tg.message(people.purchaser.id, "采购单草稿")
    assert message_text(preview).count("〔待附合格证〕") == 2
    await tg.send_photo(people.purchaser, jpeg_bytes(), caption="猪肉合格证")
    after = await tg.shown(people.purchaser.id, "已附上合格证")
    text = message_text(after)
    assert "猪肉 20斤" in text.split("〔已附合格证〕")[0]
    assert "鸡蛋 3斤" in text.split("〔已附合格证〕")[1] and "〔待附合格证〕" in text


async def test_unclear_certificate_asks_which_line_still_missing_one(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.purchaser, "/purchase\n猪肉 20斤 13.5\n白菜 50斤 1.2\n鸡蛋 3斤 4")
    await tg.message(people.purchaser.id, "采购单草稿")
    await tg.send_photo(people.purchaser, jpeg_bytes(), caption="合格证")
    ask = await tg.message(people.purchaser.id, "这张合格证是哪一项的？")
    assert buttons(ask) == ["1. 猪肉", "3. 鸡蛋"]
    await tg.answer(await tg.tap(people.purchaser, ask, "鸡蛋"))
    preview = await tg.shown(people.purchaser.id, "采购单草稿")
    assert "「鸡蛋」的合格证" in message_text(tg.current(ask))
    lines = message_text(preview).splitlines()
    assert any("猪肉" in x and "〔待附合格证〕" in x for x in lines)
    assert any("鸡蛋" in x and "〔已附合格证〕" in x for x in lines)
    # the one line left: the next certificate is for it without asking
    await tg.send_photo(people.purchaser, jpeg_bytes(), caption="合格证")
    last = await tg.shown(people.purchaser.id, "已附上合格证")
    assert "〔待附合格证〕" not in message_text(last)


# ---- the private command menu by role ----------------------------------------------------
async def test_each_persons_command_menu_shows_what_their_roles_can_do(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    newcomer = TgUser(5001, "吴老师")
    await tg.send_text(people.admin, "/invite 教职工")
    link = await tg.message(people.admin.id, "邀请")
    code = message_text(link).split("start=", 1)[1].split()[0]
    await tg.send_text(newcomer, f"/start {code}")
    await tg.message(newcomer.id, "欢迎")
    await tg.message(newcomer.id, "您可以")
    teacher = [c["command"] for c in tg.scoped_commands[f"chat:{newcomer.id}"]]
    assert "repair" in teacher and "menu" in teacher
    assert "purchase" not in teacher and "report" not in teacher and "export" not in teacher
    await tg.send_text(people.admin, f"/grant {newcomer.id} 采购员")
    await tg.message(people.admin.id, "吴老师")
    await settled(tg, bot, people.admin.id)
    purchaser = [c["command"] for c in tg.scoped_commands[f"chat:{newcomer.id}"]]
    assert "purchase" in purchaser and "purchases" in purchaser and "report" not in purchaser


async def test_help_lists_each_command_once(bot: App, tg: FakeTelegram, people: Cast) -> None:
    await tg.send_text(people.admin, "/help")
    help_text = message_text(await tg.message(people.admin.id, "您可以"))
    for command in ("/repairs", "/purchases", "/patrols", "/menu"):
        assert len(re.findall(rf"{command}(?![a-z_])", help_text)) == 1, command


async def test_unclear_certificate_after_submitting_asks_which_line(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    pid, _ = await submit(tg, people.purchaser)  # 猪肉 and 鸡蛋 need a certificate
    clock.advance(timedelta(hours=5))
    await tg.send_photo(people.purchaser, jpeg_bytes(), caption="合格证 补上")
    ask = await tg.message(people.purchaser.id, "这张合格证是哪一项的？")
    assert buttons(ask) == ["1. 猪肉", "3. 鸡蛋"]
    await tg.answer(await tg.tap(people.purchaser, ask, "鸡蛋"))
    await tg.message(people.supervisor.id, "补了合格证照片")
    assert f"采购单 #{pid}" in message_text(tg.current(ask))
    purchase = await purchase_repo.get(services(bot).db, pid)
    assert purchase is not None and [p.item for p in purchase.photos] == ["鸡蛋"]
    assert purchase.missing_certificates(services(bot).settings.certificate_items) == ["猪肉"]
    assert await _repair_count(bot) == 0
