"""The reporter corrects or adds to a report (issue 11): an edited caption updates the
report while nobody has taken it up, and a note that sounds urgent offers 改为紧急.
Through the real Application against the fake Bot API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.app import App
from bot.clock import FrozenClock
from bot.domain.repairs import Category, RepairTicket, Urgency
from storage import repairs as repair_repo
from tests.conftest import Cast
from tests.fakebot import FakeTelegram, buttons, message_text
from tests.fakebot.running import services
from tests.images import jpeg_bytes


async def _report(tg: FakeTelegram, people: Cast, caption: str) -> tuple[int, dict[str, Any]]:
    photo = await tg.send_photo(people.teacher, jpeg_bytes(), caption=caption)
    done = await tg.message(people.teacher.id, "已提交")
    rid = int(message_text(done).split("#", 1)[1].split()[0])
    await tg.message(people.supervisor.id, f"#{rid}")
    return rid, photo


async def _ticket(app: App, rid: int) -> RepairTicket:
    ticket = await repair_repo.get(services(app).db, rid)
    assert ticket is not None
    return ticket


async def _count(app: App) -> int:
    return int(await services(app).db.fetchval("SELECT COUNT(*) FROM repairs") or 0)


async def test_editing_a_report_caption_soon_after_updates_the_report(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    rid, photo = await _report(tg, people, "302 水龙头关不紧")
    clock.advance(timedelta(minutes=3))
    await tg.edit_caption(people.teacher, photo, "三楼女厕 水龙头关不紧，一直漏水")
    updated = await tg.message(people.teacher.id, "已按修改后的说明更新")
    assert "三楼女厕" in message_text(updated) and f"#{rid}" in message_text(updated)
    assert "改为紧急" in buttons(updated)  # the usual corrections sit under it again
    told = await tg.message(people.supervisor.id, "修改了")
    assert "三楼女厕" in message_text(told) and "原来：302" in message_text(told)
    ticket = await _ticket(bot, rid)
    assert ticket.location == "三楼女厕" and ticket.category is Category.WATER
    assert await _count(bot) == 1
    await tg.send_text(people.teacher, f"/repair {rid}")
    card = await tg.message(people.teacher.id, "修改说明")  # in the report's history
    assert "302" in message_text(card)


async def test_edited_caption_that_sounds_dangerous_makes_the_report_urgent(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, photo = await _report(tg, people, "实验楼二楼走廊 插座松了")
    assert (await _ticket(bot, rid)).urgency is Urgency.NORMAL
    await tg.edit_caption(people.teacher, photo, "实验楼二楼走廊 插座冒火花")
    await tg.message(people.teacher.id, "已按修改后的说明更新")
    assert (await _ticket(bot, rid)).urgency is Urgency.URGENT


async def test_editing_a_caption_after_the_report_was_accepted_says_how_to_add_to_it(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, photo = await _report(tg, people, "302 水龙头关不紧")
    await tg.send_text(people.supervisor, f"/repair {rid}")
    card = await tg.message(people.supervisor.id, f"#{rid}")
    await tg.answer(await tg.tap(people.supervisor, card, "受理"))
    await tg.message(people.repairer.id, "派给您的维修任务")
    await tg.edit_caption(people.teacher, photo, "303 水龙头关不紧")
    refused = await tg.message(people.teacher.id, "不会再更新")
    assert "回复" in message_text(refused)
    assert (await _ticket(bot, rid)).location == "302"


async def test_editing_a_caption_long_after_sending_does_not_change_the_report(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    rid, photo = await _report(tg, people, "302 水龙头关不紧")
    clock.advance(timedelta(minutes=30))
    await tg.edit_caption(people.teacher, photo, "303 水龙头关不紧")
    await tg.message(people.teacher.id, "已提交超过 10 分钟")
    assert (await _ticket(bot, rid)).location == "302"


async def test_editing_some_other_message_still_gets_the_plain_hint(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    photo = await tg.send_photo(people.teacher, jpeg_bytes())
    await tg.message(people.teacher.id, "说明")  # the photo waits for its caption
    await tg.edit_caption(people.teacher, photo, "302 灯不亮")
    await tg.message(people.teacher.id, "不会生效")
    assert await _count(bot) == 0


async def test_a_note_that_sounds_urgent_offers_to_make_the_report_urgent(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    rid, _ = await _report(tg, people, "302 水管漏水")
    submitted = next(
        m for m in tg.sent if m["chat"]["id"] == people.teacher.id and "已提交" in message_text(m)
    )
    assert (await _ticket(bot, rid)).urgency is Urgency.NORMAL
    await tg.send_text(people.teacher, "补充：地上全是水，挺急的", reply_to=submitted)
    noted = await tg.message(people.teacher.id, "已补充到报修单")
    assert "改为紧急" in buttons(noted)
    await tg.message(people.supervisor.id, "地上全是水")
    await tg.answer(await tg.tap(people.teacher, noted, "改为紧急"))
    assert (await _ticket(bot, rid)).urgency is Urgency.URGENT
    await tg.message(people.supervisor.id, "改为「紧急」")
    now = tg.messages[(noted["chat"]["id"], noted["message_id"])]
    assert "已改为「紧急」" in message_text(now) and not buttons(now)


async def test_a_calm_note_offers_no_urgency_change(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    _, _ = await _report(tg, people, "302 水管漏水")
    submitted = next(
        m for m in tg.sent if m["chat"]["id"] == people.teacher.id and "已提交" in message_text(m)
    )
    await tg.send_text(people.teacher, "补充：是靠窗那一排", reply_to=submitted)
    noted = await tg.message(people.teacher.id, "已补充到报修单")
    assert "改为紧急" not in buttons(noted) and "挺急" not in message_text(noted)


async def test_editing_the_caption_of_an_album_report_updates_it(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    sent = [
        await tg.send_photo(
            people.teacher,
            jpeg_bytes(),
            media_group_id="fix1",
            caption="食堂 水龙头漏水" if i == 0 else None,
        )
        for i in range(2)
    ]
    await tg.message(people.teacher.id, "已提交")
    await tg.edit_caption(people.teacher, sent[0], "食堂后厨 水龙头漏水")
    await tg.message(people.teacher.id, "已按修改后的说明更新")
    assert (await _ticket(bot, 1)).location == "食堂后厨"


async def test_editing_the_text_that_captioned_waiting_photos_updates_the_report(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await tg.send_photo(people.teacher, jpeg_bytes())
    await tg.message(people.teacher.id, "说明")
    text = await tg.send_text(people.teacher, "操场 篮球架松了")
    await tg.message(people.teacher.id, "已提交")
    await tg.edit_text(people.teacher, text, "东操场 篮球架松了")
    await tg.message(people.teacher.id, "已按修改后的说明更新")
    assert (await _ticket(bot, 1)).location == "东操场"
