"""Everyday messages in context (issue 11): photos go where they belong, text alone is a
request too, replies mean what they say. Through the real Application."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.clock import FrozenClock
from storage import purchases as purchase_repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram, buttons
from tests.fakebot.running import services, settled
from tests.images import jpeg_bytes
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
    await tg.message(people.purchaser.id, f"补到采购单 #{pid}")
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
