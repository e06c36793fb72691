"""A rejected purchase is fixed, not retyped: 修改后重新提交 reopens it as a draft with all
its lines and photos, and the supervisor sees what changed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from bot.app import App
from bot.callbacks import encode
from bot.clock import FrozenClock
from bot.domain.purchases import LineChange, PurchaseLine, PurchaseState, line_changes
from bot.domain.roles import Role
from storage import purchases as repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram, buttons, message_text
from tests.fakebot.running import register, services
from tests.images import jpeg_bytes

REOPEN = "✏️ 修改后重新提交"


async def rejected_purchase(tg: FakeTelegram, people: Cast) -> tuple[int, dict[str, Any]]:
    """The purchaser logs two lines with a certificate; 李监督 rejects it. Returns the
    purchase id and the rejection the purchaser got."""
    await tg.send_text(people.purchaser, "/purchase\n猪肉 20斤 13.5\n白菜 50斤 1.2")
    await tg.message(people.purchaser.id, "采购单草稿")
    await tg.send_photo(people.purchaser, jpeg_bytes(), caption="猪肉检疫合格证")
    preview = await tg.shown(people.purchaser.id, "已附上合格证照片")
    await tg.tap(people.purchaser, preview, "提交")
    await tg.message(people.purchaser.id, "已提交")
    note = await tg.message(people.supervisor.id, "待确认")
    await tg.send_text(people.supervisor, "驳回 猪肉单价不对，今天是12.5", reply_to=note)
    await tg.message(people.supervisor.id, "已驳回")
    rejection = await tg.message(people.purchaser.id, "驳回")
    return int(preview["text"].split("#")[1].split("<")[0]), rejection


async def test_rejected_purchase_reopens_as_a_draft_with_its_lines_and_photos(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    pid, rejection = await rejected_purchase(tg, people)
    assert buttons(rejection) == [REOPEN]
    await tg.answer(await tg.tap(people.purchaser, rejection, "修改后重新提交"))
    draft = await tg.shown(people.purchaser.id, "采购单草稿")
    text = message_text(draft)
    assert f"#{pid}" not in text.splitlines()[0]  # a new draft; the rejected one stays
    assert "猪肉 20斤 × 13.5 元" in text and "白菜 50斤 × 1.2 元" in text
    assert "合格证：1 张" in text and "〔已附合格证〕" in text
    assert "猪肉单价不对" in text
    assert buttons(tg.current(rejection)) == []  # its button has done its job


async def test_supervisor_sees_what_the_corrected_purchase_changed(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    pid, rejection = await rejected_purchase(tg, people)
    day = (await repo.get(services(bot).db, pid)).purchase_date  # type: ignore[union-attr]
    clock.advance(timedelta(days=1))  # corrected the next morning
    await tg.answer(await tg.tap(people.purchaser, rejection, "修改后重新提交"))
    draft = await tg.shown(people.purchaser.id, "采购单草稿")
    await tg.send_text(people.purchaser, "改 1 猪肉 20斤 12.5")
    await tg.shown(people.purchaser.id, "合计 310.00 元")
    await tg.send_text(people.purchaser, "鸡蛋 3斤 4")
    draft = await tg.shown(people.purchaser.id, "合计 322.00 元")
    await tg.tap(people.purchaser, draft, "提交")
    await tg.message(people.purchaser.id, "已提交")
    card = message_text(await tg.message(people.supervisor.id, "修改后重新提交"))
    assert f"原采购单 #{pid} 被 李监督 驳回（猪肉单价不对，今天是12.5）" in card
    assert "✎ 猪肉 20斤 × 13.5 元 = 270.00 元\n　→ 猪肉 20斤 × 12.5 元 = 250.00 元" in card
    assert "＋ 新增 鸡蛋 3斤 × 4 元 = 12.00 元" in card
    assert "合计 330.00 元 → 322.00 元" in card and "白菜" in card
    old = await repo.get(services(bot).db, pid)
    new = await repo.get(services(bot).db, pid + 1)
    assert old is not None and old.state is PurchaseState.REJECTED and old.total == 330
    assert new is not None and new.reopened_from == pid and new.purchase_date == day


async def test_reopen_tapped_again_shows_the_same_draft_and_after_submitting_says_so(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    pid, rejection = await rejected_purchase(tg, people)
    data = encode("buy", "re", pid)  # the button, from a copy that still has it
    await tg.answer(await tg.tap_data(people.purchaser, rejection, data))
    first = await tg.shown(people.purchaser.id, "采购单草稿")
    await tg.answer(await tg.tap_data(people.purchaser, rejection, data))
    again = await tg.shown(people.purchaser.id, "采购单草稿")
    assert message_text(again).splitlines()[0] == message_text(first).splitlines()[0]
    await tg.tap(people.purchaser, again, "提交")
    await tg.message(people.purchaser.id, "已提交")
    answer = await tg.answer(await tg.tap_data(people.purchaser, rejection, data))
    assert f"已修改后重新提交为 #{pid + 1}" in answer["text"]


async def test_an_open_draft_with_lines_is_not_thrown_away_by_a_reopen(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    _, rejection = await rejected_purchase(tg, people)
    await tg.send_text(people.purchaser, "/purchase 盐 10包 2.5")
    await tg.shown(people.purchaser.id, "合计 25.00 元")
    answer = await tg.answer(await tg.tap(people.purchaser, rejection, "修改后重新提交"))
    assert "请先提交或发送 /cancel" in answer["text"]
    assert buttons(tg.current(rejection)) == [REOPEN]  # still there for later


async def test_only_the_purchaser_can_reopen_their_rejected_purchase(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    pid, rejection = await rejected_purchase(tg, people)
    await register(services(bot), people.canteen, Role.PURCHASER)  # another purchaser
    data = encode("buy", "re", pid)
    forged = await tg.answer(await tg.tap_data(people.canteen, rejection, data))
    assert "不是您的采购单" in forged["text"]
    teacher = await tg.answer(await tg.tap_data(people.teacher, rejection, data))
    assert "采购员" in teacher["text"]
    assert await repo.reopened_copy(services(bot).db, pid) is None


def line(item: str, qty: str, price: str, unit: str = "斤") -> PurchaseLine:
    q, p = Decimal(qty), Decimal(price)
    return PurchaseLine(item, q, unit, p, (q * p).quantize(Decimal("0.01")))


def test_changes_pair_lines_by_item_in_order() -> None:
    before = [line("猪肉", "20", "13.5"), line("猪肉", "5", "13.5"), line("大葱", "2", "3")]
    after = [line("猪肉", "20", "13.5"), line("猪肉", "6", "13.5"), line("鸡蛋", "3", "4")]
    assert line_changes(before, after) == [
        LineChange("changed", before[1], after[1]),
        LineChange("added", None, after[2]),
        LineChange("removed", before[2], None),
    ]
    assert line_changes(before, before) == []
