"""The purchase log end to end through the fake Telegram: the purchaser at the market, the
supervisor's 确认 / 驳回 by button or by reply, and what everyone is told."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bot.app import App
from bot.callbacks import encode
from bot.clock import FrozenClock
from bot.domain.people import Person
from bot.domain.roles import Role
from bot.services import purchases as purchase_service
from storage import people as people_repo
from storage import purchases as repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram, TgUser, buttons, message_text
from tests.fakebot.running import register, services, settled
from tests.images import jpeg_bytes

LINES = "猪肉 20斤 13.5\n白菜 50斤 1.2\n鸡蛋 3.3斤 4.1\n大米 2袋 共300元"


async def submit(tg: FakeTelegram, user: TgUser, lines: str = LINES) -> tuple[int, dict[str, Any]]:
    """``user`` logs ``lines`` and taps 提交; returns the purchase id and the preview."""
    await tg.send_text(user, f"/purchase\n{lines}")
    preview = await tg.message(user.id, "采购单草稿")
    await tg.tap(user, preview, "提交")
    done = await tg.message(user.id, "已提交")
    m = re.search(r"采购单 #(\d+) 已提交", done["text"])
    assert m, done["text"]
    return int(m[1]), preview


async def person(app: App, user: TgUser) -> Person:
    found = await people_repo.get(services(app).db, user.id)
    assert found is not None
    return found


async def test_purchase_in_one_message_shows_preview_and_submits_to_supervisors(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.purchaser, f"/purchase\n{LINES}")
    preview = await tg.message(people.purchaser.id, "采购单草稿")
    text = preview["text"]
    assert "猪肉 20斤 × 13.5 元 = 270.00 元" in text
    assert "鸡蛋 3.3斤 × 4.1 元 = 13.53 元" in text
    assert "大米 2袋 共 300.00 元" in text
    assert "合计 643.53 元" in text
    assert "供应商：未填写" in text
    labels = buttons(preview)
    assert any("提交" in b for b in labels) and any("取消" in b for b in labels)
    assert await settled(tg, bot, people.supervisor.id) == []  # nothing goes out before 提交

    await tg.tap(people.purchaser, preview, "提交")
    done = await tg.message(people.purchaser.id, "已提交")
    pid = int(re.findall(r"#(\d+)", done["text"])[0])
    assert f"采购单 #{pid} 已提交" in done["text"]
    assert buttons(tg.current(preview)) == []

    for supervisor in (people.supervisor, people.supervisor2):
        note = await tg.message(supervisor.id, f"采购单 #{pid} 待确认")
        assert "合计 643.53 元" in note["text"] and "张采购" in note["text"]
        assert "白菜 50斤" in note["text"]
        labels = buttons(note)
        assert any("确认" in b for b in labels) and any("驳回" in b for b in labels)
    assert await settled(tg, bot, people.admin.id) == []


async def test_lines_may_come_in_the_next_message(bot: App, tg: FakeTelegram, people: Cast) -> None:
    await tg.send_text(people.purchaser, "/purchase")
    ask = await tg.message(people.purchaser.id, "采购明细")
    assert "猪肉 20斤 13.5" in ask["text"]
    await tg.send_text(people.purchaser, "牛肉　１０斤　３８\n食用油 2桶 89.9 @粮油店")
    preview = await tg.message(people.purchaser.id, "合计 559.80 元")
    assert "粮油店" in preview["text"]


async def test_unreadable_line_is_explained_and_the_rest_kept_then_fixed(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.purchaser, "/purchase\n猪肉 20斤 13.5\n白菜 50斤 abc\n鸡蛋 20 4")
    preview = await tg.message(people.purchaser.id, "没看懂")
    assert "白菜 50斤 abc" in preview["text"] and "不是数字" in preview["text"]
    assert "缺少单位" in preview["text"]
    assert "合计 270.00 元" in preview["text"]
    await tg.send_text(people.purchaser, "白菜 50斤 1.2")
    second = await tg.shown(people.purchaser.id, "合计 330.00 元")
    assert second["message_id"] == preview["message_id"]  # the same card, edited in place
    assert "没看懂" not in second["text"] and buttons(second) == ["✅ 提交", "✖️ 取消"]
    await tg.send_text(people.purchaser, "改 2 白菜 40斤 1.2")
    await tg.shown(people.purchaser.id, "合计 318.00 元")
    await tg.send_text(people.purchaser, "删 1")
    fixed = await tg.shown(people.purchaser.id, "合计 48.00 元")
    assert "已删除第 1 行" in fixed["text"]
    assert fixed["message_id"] == preview["message_id"]
    await tg.send_text(people.purchaser, "删 9")
    assert "没有第 9 行" in (await tg.message(people.purchaser.id))["text"]


def previews_in_chat(tg: FakeTelegram, chat_id: int) -> list[dict[str, Any]]:
    return [
        m for (chat, _), m in tg.messages.items()
        if chat == chat_id and "采购单草稿" in message_text(m)
    ]  # fmt: skip


async def test_draft_preview_is_edited_in_place_as_lines_are_typed_one_by_one(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.purchaser, "/purchase 猪肉 20斤 13.5")
    await tg.shown(people.purchaser.id, "合计 270.00 元")
    for n in range(2, 23):  # a 22-line market morning typed a line at a time
        await tg.send_text(people.purchaser, f"青菜{n} 1斤 2")
        await tg.shown(people.purchaser.id, f"{n}. 青菜{n}")
    posted = [m for m in tg.calls_of("sendMessage") if "采购单草稿" in str(m.params.get("text"))]
    assert len(posted) <= 5, len(posted)  # moved down now and then, never once per line
    [card] = previews_in_chat(tg, people.purchaser.id)  # one card, not a trail of them
    assert "合计 312.00 元" in card["text"] and buttons(card) == ["✅ 提交", "✖️ 取消"]


async def test_an_unreadable_line_brings_the_preview_down_under_it(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.purchaser, "/purchase 猪肉 20斤 13.5")
    first = await tg.shown(people.purchaser.id, "合计 270.00 元")
    await tg.send_text(people.purchaser, "白菜 50斤 abc")
    moved = await tg.shown(people.purchaser.id, "没看懂")
    assert moved["message_id"] != first["message_id"]
    assert [m["message_id"] for m in previews_in_chat(tg, people.purchaser.id)] == [
        moved["message_id"]
    ]


async def test_a_preview_the_purchaser_deleted_is_sent_again(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.purchaser, "/purchase 猪肉 20斤 13.5")
    tg.delete_by_user(await tg.shown(people.purchaser.id, "合计 270.00 元"))
    await tg.send_text(people.purchaser, "白菜 50斤 1.2")
    again = await tg.shown(people.purchaser.id, "合计 330.00 元")
    assert buttons(again) == ["✅ 提交", "✖️ 取消"]


async def test_cancel_discards_the_draft(bot: App, tg: FakeTelegram, people: Cast) -> None:
    await tg.send_text(people.purchaser, f"/purchase\n{LINES}")
    preview = await tg.message(people.purchaser.id, "合计")
    await tg.tap(people.purchaser, preview, "取消")
    await tg.message(people.purchaser.id, "已取消")
    assert (
        await purchase_service.open_draft(services(bot), await person(bot, people.purchaser))
        is None
    )
    # the old 提交 button does nothing any more
    query = await tg.tap_data(people.purchaser, preview, encode("buy", "sub", 1))
    assert "已取消" in (await tg.answer(query))["text"]
    assert await settled(tg, bot, people.supervisor.id) == []


async def test_supervisor_confirms_with_the_button_and_purchaser_is_told(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    pid, _ = await submit(tg, people.purchaser)
    note = await tg.message(people.supervisor.id, "待确认")
    other = await tg.message(people.supervisor2.id, "待确认")
    clock.advance(timedelta(minutes=20))
    query = await tg.tap(people.supervisor, note, "确认")
    assert f"#{pid}" in (await tg.answer(query))["text"]
    told = await tg.message(people.purchaser.id, f"采购单 #{pid}")
    assert "已由 李监督" in told["text"] and "确认" in told["text"]
    assert "09:20" in told["text"]  # the 签字 time, local
    stored = await repo.get(services(bot).db, pid)
    assert stored is not None and stored.confirmed_by == people.supervisor.id
    # every copy is edited to its final state: no buttons, no 待确认, who decided
    await tg.wait_for(lambda: "已由 李监督 确认" in message_text(tg.current(other)))
    assert buttons(tg.current(other)) == []
    assert "待确认" not in message_text(tg.current(other))
    assert "请逐项清点" not in message_text(tg.current(other))
    # the one who decided has one confirmation: their card says so, no second message
    await tg.wait_for(lambda: "已由 李监督 确认" in message_text(tg.current(note)))
    assert await settled(tg, bot, people.supervisor.id) == []


async def test_stale_or_second_tap_changes_nothing_and_says_who_decided(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    pid, _ = await submit(tg, people.purchaser)
    note = await tg.message(people.supervisor.id, "待确认")
    other = await tg.message(people.supervisor2.id, "待确认")
    await tg.answer(await tg.tap(people.supervisor, note, "确认"))
    # The second supervisor's copy was on screen before the buttons were taken off.
    late = await tg.tap_data(people.supervisor2, other, encode("bchk", "no", pid))
    answer = await tg.answer(late)
    assert "已由 李监督 确认" in answer["text"]
    again = await tg.tap_data(people.supervisor, note, encode("bchk", "ok", pid))
    assert "已由 李监督 确认" in (await tg.answer(again))["text"]
    stored = await repo.get(services(bot).db, pid)
    assert stored is not None and stored.state.value == "confirmed"
    assert stored.confirmed_by == people.supervisor.id
    forged = await tg.tap_data(people.supervisor, note, "bchk:ok:abc")
    assert (await tg.answer(forged))["text"]  # answered, nothing else


async def test_supervisor_confirms_by_replying_ok(bot: App, tg: FakeTelegram, people: Cast) -> None:
    pid, _ = await submit(tg, people.purchaser)
    note = await tg.message(people.supervisor2.id, "待确认")
    await tg.send_text(people.supervisor2, "OK", reply_to=note)
    ack = await tg.message(people.supervisor2.id, "已确认")
    assert f"#{pid}" in ack["text"]
    assert "已由 赵监督" in (await tg.message(people.purchaser.id, f"#{pid}"))["text"]


async def test_supervisor_rejects_by_reply_with_a_reason_kept_as_typed(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    pid, _ = await submit(tg, people.purchaser)
    note = await tg.message(people.supervisor.id, "待确认")
    await tg.send_text(people.supervisor, "驳回", reply_to=note)
    assert "驳回理由" in (await tg.message(people.supervisor.id))["text"]
    await tg.send_text(people.supervisor, "驳回：鸡蛋过秤少了半斤，请重新过磅！", reply_to=note)
    await tg.message(people.supervisor.id, "已驳回")
    told = await tg.message(people.purchaser.id, f"采购单 #{pid}")
    # Chinese punctuation stays as the supervisor typed it (not turned into 「,」 and 「!」).
    assert "驳回" in told["text"] and "鸡蛋过秤少了半斤，请重新过磅！" in told["text"]
    stored = await repo.get(services(bot).db, pid)
    assert stored is not None and stored.reject_reason == "鸡蛋过秤少了半斤，请重新过磅！"


async def test_purchaser_typing_submit_or_cancel_does_what_the_buttons_do(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.purchaser, "/purchase")
    await tg.send_text(people.purchaser, "猪肉 20斤 13.5")
    first = await tg.shown(people.purchaser.id, "采购单草稿")
    await tg.send_text(people.purchaser, "取消")  # not a line 「取消」 that could not be read
    await tg.message(people.purchaser.id, "采购单草稿已取消")
    assert buttons(tg.current(first)) == []
    await tg.send_text(people.purchaser, "/purchase")
    await tg.send_text(people.purchaser, "白菜 50斤 1.2")
    await tg.shown(people.purchaser.id, "合计 60.00 元")
    await tg.send_text(people.purchaser, "提交！")
    done = await tg.message(people.purchaser.id, "已提交")
    pid = int(message_text(done).split("#", 1)[1].split()[0])
    await tg.message(people.supervisor.id, f"采购单 #{pid}")
    stored = await repo.get(services(bot).db, pid)
    assert stored is not None and stored.state.value == "submitted"
    assert [line.item for line in stored.lines] == ["白菜"]


async def test_reject_reason_prompt_is_left_by_typing_cancel(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    pid, _ = await submit(tg, people.purchaser)
    note = await tg.message(people.supervisor.id, "待确认")
    await tg.answer(await tg.tap(people.supervisor, note, "驳回"))
    await tg.message(people.supervisor.id, f"驳回采购单 #{pid} 的理由")
    await tg.send_text(people.supervisor, "取消")
    await tg.message(people.supervisor.id, "已放弃驳回")
    stored = await repo.get(services(bot).db, pid)
    assert stored is not None and stored.state.value == "submitted"


async def test_reject_button_asks_for_the_reason(bot: App, tg: FakeTelegram, people: Cast) -> None:
    pid, _ = await submit(tg, people.purchaser)
    note = await tg.message(people.supervisor.id, "待确认")
    await tg.answer(await tg.tap(people.supervisor, note, "驳回"))
    await tg.message(people.supervisor.id, f"驳回采购单 #{pid} 的理由")
    await tg.send_text(people.supervisor, "大米价格比上周高，请核实票据")
    await tg.message(people.supervisor.id, "已驳回")
    told = await tg.message(people.purchaser.id, "驳回")
    assert "大米价格比上周高，请核实票据" in told["text"]


async def test_purchaser_cannot_confirm_own_purchase(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await register(services(bot), people.supervisor, Role.PURCHASER)  # holds both roles
    pid, _ = await submit(tg, people.supervisor)
    # the other supervisor is asked; the purchaser is not
    note = await tg.message(people.supervisor2.id, f"#{pid} 待确认")
    assert not [
        m for m in await settled(tg, bot, people.supervisor.id) if "待确认" in message_text(m)
    ]
    own = await tg.tap_data(people.supervisor, note, encode("bchk", "ok", pid))
    assert "不能确认自己" in (await tg.answer(own))["text"]
    await tg.send_text(people.supervisor, "/purchases")
    listing = await tg.message(people.supervisor.id, f"#{pid}")
    assert "待确认" in listing["text"]
    stored = await repo.get(services(bot).db, pid)
    assert stored is not None and stored.state.value == "submitted"


async def test_price_check_warns_the_supervisor_with_the_figures(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    svc = services(bot)
    purchaser, supervisor = (
        await person(bot, people.purchaser),
        await person(bot, people.supervisor),
    )
    for price in ("12", "12.2"):
        draft = await purchase_service.start_draft(svc, purchaser, f"猪肉 20斤 {price}")
        await purchase_service.submit(svc, purchaser, draft.purchase.id)
        await purchase_service.confirm(svc, supervisor, draft.purchase.id)
    for _ in range(2):  # the two earlier notifications (decided: settled), and their answers
        await tg.message(people.supervisor2.id, "已由 李监督 确认")
        await tg.message(people.purchaser.id, "已提交")
    clock.advance(timedelta(days=3))
    pid, _ = await submit(tg, people.purchaser, "猪肉 20斤 14\n白菜 50斤 1.2")
    note = await tg.message(people.supervisor2.id, f"#{pid} 待确认")
    assert "较近30天均价 12.10 高 15.7%" in note["text"]
    assert note["text"].count("较近30天均价") == 1


async def test_photos_are_attached_in_draft_and_reach_the_supervisor(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.purchaser, "/purchase\n猪肉 20斤 13.5\n白菜 50斤 1.2")
    preview = await tg.message(people.purchaser.id, "合计")
    assert "待附合格证" in preview["text"] and "合格证：未上传" in preview["text"]
    await tg.send_photo(people.purchaser, jpeg_bytes(), caption="动物检疫合格证明")
    with_cert = await tg.shown(people.purchaser.id, "已附上合格证照片")
    assert "待附合格证" not in with_cert["text"] and "合格证：1 张" in with_cert["text"]
    await tg.send_photo(people.purchaser, jpeg_bytes())
    ask = await tg.message(people.purchaser.id, "这张照片是")
    await tg.answer(await tg.tap(people.purchaser, ask, "票据"))
    latest = await tg.shown(people.purchaser.id, "已附上票据照片")
    assert "票据：1 张" in latest["text"]
    await tg.tap(people.purchaser, latest, "提交")
    await tg.message(people.purchaser.id, "已提交")
    note = await tg.message(people.supervisor.id, "待确认")  # the text after the album
    assert "票据：1 张　合格证：1 张" in note["text"]
    album = [m for m in tg.sent if m["chat"]["id"] == people.supervisor.id and m.get("photo")]
    assert len(album) == 2
    # The draft's pictures were receipts, not repair reports.
    assert await services(bot).db.fetchval("SELECT COUNT(*) FROM repairs") == 0


async def test_a_pdf_is_refused_politely_in_draft(bot: App, tg: FakeTelegram, people: Cast) -> None:
    await tg.send_text(people.purchaser, "/purchase\n白菜 50斤 1.2")
    await tg.message(people.purchaser.id, "合计")
    await tg.send_document(people.purchaser, b"%PDF-1.4", file_name="票据.pdf",
                           mime_type="application/pdf")  # fmt: skip
    refusal = await tg.message(people.purchaser.id)
    assert "PDF" in refusal["text"] or "图片" in refusal["text"] or "照片" in refusal["text"]


async def test_day_list_shows_states_and_totals(bot: App, tg: FakeTelegram, people: Cast) -> None:
    first, _ = await submit(tg, people.purchaser)
    second, _ = await submit(tg, people.purchaser, "盐 10包 2.5")
    note = await tg.message(people.supervisor.id, f"#{first} 待确认")
    await tg.answer(await tg.tap(people.supervisor, note, "确认"))
    await tg.message(people.purchaser.id, "已由")
    await tg.send_text(people.supervisor, "/purchases")
    listing = await tg.message(people.supervisor.id, "2026-11-23 采购")
    assert f"#{first}" in listing["text"] and f"#{second}" in listing["text"]
    assert "[已确认·李监督]" in listing["text"] and "[待确认]" in listing["text"]
    assert "已确认 1 单，合计 643.53 元" in listing["text"]
    assert "待确认 1 单，合计 25.00 元" in listing["text"]
    await tg.send_text(people.supervisor, "/purchases 11-22")
    assert "没有采购记录" in (await tg.message(people.supervisor.id, "2026-11-22"))["text"]
    await tg.send_text(people.teacher, "/purchases")
    assert "只有" in (await tg.message(people.teacher.id))["text"]


async def test_export_gives_finance_an_xlsx_with_one_row_per_line(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    import io

    from openpyxl import load_workbook

    pid, _ = await submit(tg, people.purchaser, LINES + "\n食用油 2桶 89.9 @粮油店")
    note = await tg.message(people.supervisor.id, "待确认")
    await tg.answer(await tg.tap(people.supervisor, note, "确认"))
    await tg.message(people.purchaser.id, "已由")
    await tg.send_text(people.purchaser, "/export purchases")
    assert "只有监督员" in (await tg.message(people.purchaser.id))["text"]
    await tg.send_text(people.supervisor, "/export purchases 2026-11")
    sent = await tg.wait_for(lambda: next((m for m in tg.sent if m.get("document")), None))
    assert sent["chat"]["id"] == people.supervisor.id
    assert sent["document"]["file_name"].endswith(".xlsx")
    assert "823.33" in sent["caption"]
    rows = list(load_workbook(io.BytesIO(sent["_bytes"])).active.iter_rows(values_only=True))
    assert rows[0] == ("日期", "单号", "品名", "数量", "单位", "单价(元)", "金额(元)", "供应商",
                       "采购员", "确认人", "确认时间")  # fmt: skip
    assert len(rows) == 1 + 5 + 1
    assert rows[3][1:7] == (f"#{pid}", "鸡蛋", 3.3, "斤", 4.1, 13.53)
    assert rows[5][2] == "食用油" and rows[5][7] == "粮油店"
    assert rows[1][8:10] == ("张采购", "李监督") and rows[1][10] is not None
    assert rows[-1][0] == "合计" and rows[-1][6] == 823.33
    await tg.send_text(people.supervisor, "/export purchases 2026-10")
    assert "没有已确认" in (await tg.message(people.supervisor.id, "2026年10月"))["text"]


async def test_admin_adds_suppliers_and_the_list_flags_expiry(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.admin, "/suppliers add 王记肉铺 2027-06-30")
    assert "已添加定点供应商：王记肉铺" in (await tg.message(people.admin.id))["text"]
    await tg.send_text(people.admin, "/suppliers add 粮油店 2026-12-10")
    await tg.message(people.admin.id, "粮油店")
    await tg.send_text(people.purchaser, "/suppliers add 黑店 2030-01-01")
    assert "只有管理员" in (await tg.message(people.purchaser.id))["text"]
    await tg.send_text(people.purchaser, "/suppliers")
    listing = await tg.message(people.purchaser.id, "定点供应商")
    assert "王记肉铺：证照有效至 2027-06-30" in listing["text"]
    assert "粮油店：⚠️ 证照 2026-12-10 到期（还剩 17 天）" in listing["text"]
    assert "黑店" not in listing["text"]
    # a purchase from an unlisted supplier is pointed out to the supervisor
    pid, _ = await submit(tg, people.purchaser, "盐 10包 2.5 @黑店")
    note = await tg.message(people.supervisor.id, f"#{pid}")
    assert "黑店 不是登记的定点供应商" in note["text"]


async def test_draft_survives_a_restart(
    tg: FakeTelegram, settings: Any, clock: FrozenClock, people: Cast
) -> None:
    from tests.fakebot.running import running_bot

    async with running_bot(settings, clock) as app:
        await register(services(app), people.purchaser, Role.PURCHASER)
        await tg.send_text(people.purchaser, "/purchase")
        await tg.message(people.purchaser.id, "采购明细")
    async with running_bot(settings, clock) as app:
        await tg.send_text(people.purchaser, "猪肉 20斤 13.5")
        preview = await tg.message(people.purchaser.id, "合计 270.00 元")
        assert "采购单草稿" in preview["text"]


async def test_reply_to_a_notification_with_a_photo_confirms(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.purchaser, "/purchase\n猪肉 20斤 13.5")
    await tg.message(people.purchaser.id, "采购单草稿")
    await tg.send_photo(people.purchaser, jpeg_bytes(), caption="检疫合格证明")
    preview = await tg.shown(people.purchaser.id, "已附上合格证照片")
    await tg.tap(people.purchaser, preview, "提交")
    await tg.message(people.purchaser.id, "已提交")
    note = await tg.message(people.supervisor.id, "待确认")
    assert note.get("photo") and "合格证：1 张" in note["caption"]
    await tg.send_text(people.supervisor, "同意", reply_to=note)
    await tg.message(people.supervisor.id, "已确认采购单")
    assert "已由 李监督" in (await tg.message(people.purchaser.id, "确认"))["text"]


async def test_slash_cancel_ends_the_draft_and_the_reject_prompt(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.purchaser, f"/purchase\n{LINES}")
    await tg.message(people.purchaser.id, "采购单草稿")
    await tg.send_text(people.purchaser, "/cancel")
    await tg.message(people.purchaser.id, "已取消")
    assert (
        await purchase_service.open_draft(services(bot), await person(bot, people.purchaser))
        is None
    )

    pid, _ = await submit(tg, people.purchaser)
    note = await tg.message(people.supervisor.id, "待确认")
    await tg.answer(await tg.tap(people.supervisor, note, "驳回"))
    await tg.message(people.supervisor.id, "理由")
    await tg.send_text(people.supervisor, "/cancel")
    await tg.message(people.supervisor.id, "仍待确认")
    stored = await repo.get(services(bot).db, pid)
    assert stored is not None and stored.state.value == "submitted"


async def test_supervisor_with_an_open_draft_can_still_reply_to_a_notification(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await register(services(bot), people.supervisor2, Role.PURCHASER)
    pid, _ = await submit(tg, people.purchaser)
    note = await tg.message(people.supervisor2.id, "待确认")
    await tg.send_text(people.supervisor2, "/purchase\n盐 10包 2.5")
    await tg.message(people.supervisor2.id, "采购单草稿")
    await tg.send_text(people.supervisor2, "确认", reply_to=note)
    await tg.message(people.supervisor2.id, f"已确认采购单 #{pid}")
    await tg.send_text(people.supervisor2, "酱油 6瓶 7.5")
    draft = await tg.shown(people.supervisor2.id, "采购单草稿")
    assert "合计 70.00 元" in draft["text"]  # the reply did not become a purchase line


async def test_what_the_user_typed_is_escaped_in_every_answer(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_text(people.purchaser, "/purchase\n<b>猪肉</b> 20斤 13.5\n白菜 50斤 <i>")
    preview = await tg.message(people.purchaser.id, "采购单草稿")
    assert "&lt;b&gt;猪肉&lt;/b&gt; 20斤" in preview["text"]
    assert "「&lt;i&gt;」不是数字" in preview["text"]
    await tg.send_text(people.purchaser, "改 1 猪肉 20斤 <3>")
    assert "「&lt;3&gt;」" in (await tg.message(people.purchaser.id, "不是数字"))["text"]
    await tg.send_text(people.purchaser, "/purchases <今天>")
    assert "「&lt;今天&gt;」" in (await tg.message(people.purchaser.id, "看不懂"))["text"]
    await tg.send_text(people.admin, "/suppliers remove <无>")
    assert "&lt;无&gt;" in (await tg.message(people.admin.id, "没有这个供应商"))["text"]


async def test_a_purchase_too_long_for_one_message_is_shown_in_parts_and_reaches_supervisors(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    lines = "\n".join(
        f"特级有机蔬菜第{i}号来自很远的农场 {i + 1}斤 {i + 1}.5 @某某蔬菜种植专业合作社{i}"
        for i in range(60)
    )
    await tg.send_text(people.purchaser, f"/purchase\n{lines}")
    first = await tg.message(people.purchaser.id, "采购单草稿 #")
    assert "1. 特级有机蔬菜第0号" in first["text"] and not buttons(first)
    last = await tg.message(people.purchaser.id)
    assert "60. 特级有机蔬菜第59号" in first["text"] + last["text"]
    assert any("提交" in b for b in buttons(last))
    await tg.tap(people.purchaser, last, "提交")
    done = await tg.message(people.purchaser.id, "已提交")
    pid = int(re.findall(r"#(\d+)", done["text"])[0])
    head = await tg.message(people.supervisor.id, f"采购单 #{pid} 待确认")
    assert len(head["text"]) <= 4096 and not buttons(head)
    tail = await tg.message(people.supervisor.id, "请逐项清点")
    assert "60. 特级有机蔬菜第59号" in head["text"] + tail["text"]
    assert any("确认" in b for b in buttons(tail))
    await tg.send_text(people.supervisor, "确认", reply_to=head)  # a reply to any part counts
    await tg.message(people.supervisor.id, f"已确认采购单 #{pid}")


async def test_each_photo_of_an_album_or_of_separate_questions_is_attached(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    user = people.purchaser
    await tg.send_text(user, "/purchase\n猪肉 20斤 13.5")
    await tg.message(user.id, "采购单草稿")
    for _ in range(3):  # an album of receipts, no caption: one question for all three
        await tg.send_photo(user, jpeg_bytes(), media_group_id="receipts")
    question = await tg.message(user.id, "这张照片是")
    await tg.answer(await tg.tap(user, question, "票据"))
    preview = await tg.shown(user.id, "已附上 3 张票据照片")
    assert "票据：3 张" in preview["text"]
    assert [m for m in tg.sent if "这张照片是" in message_text(m)] == [tg.current(question)]

    for caption in ("检疫合格证明", None):  # the album's caption sits on its first photo
        await tg.send_photo(user, jpeg_bytes(), media_group_id="certs", caption=caption)
    assert "已附上合格证照片" in (await tg.shown(user.id, "合格证：2 张"))["text"]

    await tg.send_photo(user, jpeg_bytes())  # two separate photos, answered out of order
    first = await tg.message(user.id, "这张照片是")
    await tg.send_photo(user, jpeg_bytes())
    second = await tg.message(user.id, "这张照片是")
    await tg.answer(await tg.tap(user, second, "合格证"))
    await tg.shown(user.id, "合格证：3 张")
    await tg.answer(await tg.tap(user, first, "票据"))
    final = await tg.shown(user.id, "票据：4 张")
    assert "合格证：3 张" in final["text"]


async def test_forgotten_reject_prompt_expires_and_a_later_ok_is_not_taken_as_the_reason(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    pid, _ = await submit(tg, people.purchaser)
    note = await tg.message(people.supervisor.id, "待确认")
    await tg.answer(await tg.tap(people.supervisor, note, "驳回"))
    await tg.message(people.supervisor.id, "理由")
    clock.advance(timedelta(hours=2))
    await tg.send_text(people.supervisor, "好的")
    await tg.message(people.supervisor.id, "好的 👌")  # an everyday 好的, not a reason
    stored = await repo.get(services(bot).db, pid)
    assert stored is not None and stored.state.value == "submitted"
    await tg.answer(await tg.tap(people.supervisor, note, "驳回"))  # asked again: fresh
    await tg.message(people.supervisor.id, "理由")
    await tg.send_text(people.supervisor, "猪肉价格太高")
    await tg.message(people.supervisor.id, f"已驳回采购单 #{pid}")


async def test_an_unclear_reply_to_a_decided_purchase_says_who_decided(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    pid, _ = await submit(tg, people.purchaser)
    note = await tg.message(people.supervisor2.id, "待确认")
    await tg.send_text(people.supervisor, "确认", reply_to=await tg.message(people.supervisor.id))
    await tg.message(people.supervisor.id, f"已确认采购单 #{pid}")
    await tg.send_text(people.supervisor2, "收到", reply_to=note)
    answer = await tg.message(people.supervisor2.id, f"#{pid}")
    assert "已由 李监督 确认" in answer["text"]


async def test_export_accepts_purchase_in_any_case_and_a_bare_month(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    for text in ("/export Purchase", "/export purchases 10"):
        await tg.send_text(people.supervisor, text)
    assert "2026年11月" in (await tg.message(people.supervisor.id))["text"]
    assert "2026年10月" in (await tg.message(people.supervisor.id))["text"]


async def test_a_draft_left_open_since_an_earlier_day_says_so_when_it_takes_a_photo(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    await tg.send_text(people.purchaser, "/purchase\n猪肉 20斤 13.5")
    first = await tg.message(people.purchaser.id, "采购单草稿")
    assert "还没提交" not in first["text"]  # today's draft: no note
    clock.advance(timedelta(days=2))
    await tg.send_photo(people.purchaser, jpeg_bytes())
    question = await tg.message(people.purchaser.id, "这张照片是")
    assert "11月23日 开始、还没提交" in question["text"] and "/cancel" in question["text"]
    await tg.send_text(people.purchaser, "白菜 5斤 1.2")
    assert "11月23日 开始" in (await tg.shown(people.purchaser.id, "白菜"))["text"]
