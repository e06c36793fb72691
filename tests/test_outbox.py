"""Notifications that carry work are never lost: retried until Telegram accepts them."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.clock import FrozenClock
from bot.domain.messages import Lane, OutMessage
from bot.telegram.outbox import deliver_due
from storage import outbox
from tests.conftest import Cast
from tests.fakebot import FakeTelegram
from tests.fakebot.running import services


async def queue(
    app: App, chat_id: int, text: str, ref: str | None = "test:1", lane: Lane = Lane.REPLY
) -> int:
    svc = services(app)
    async with svc.db.transaction() as tx:
        return await outbox.enqueue(
            tx,
            chat_id,
            OutMessage(text, buttons=[[("受理", "rp:acc:1")]]),
            ref=ref,
            now=svc.now(),
            lane=lane,
        )


async def state(app: App, outbox_id: int) -> dict[str, object]:
    row = await services(app).db.fetchone("SELECT * FROM outbox WHERE id = ?", (outbox_id,))
    assert row is not None
    return dict(row)


async def test_notification_is_retried_after_bad_gateway_until_delivered(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    tg.fail("sendMessage", status=502, times=2)
    row_id = await queue(bot, people.supervisor.id, "新报修单 #1")
    svc = services(bot)
    await deliver_due(bot.bot, svc)
    first = await state(bot, row_id)
    assert first["sent_at"] is None and first["attempts"] == 1
    for _ in range(3):
        clock.advance(timedelta(minutes=1))
        await deliver_due(bot.bot, svc)
    message = await tg.message(people.supervisor.id, "新报修单 #1")
    assert "受理" in message["reply_markup"]["inline_keyboard"][0][0]["text"]
    done = await state(bot, row_id)
    assert done["sent_at"] is not None and done["attempts"] == 3
    # The message is remembered, so a reply to it finds what it was about.
    assert (
        await outbox.ref_for_message(svc.db, people.supervisor.id, message["message_id"])
        == "test:1"
    )
    assert len([m for m in tg.sent if "新报修单 #1" in m.get("text", "")]) == 1


async def test_notification_waits_out_too_many_requests(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    # More 429s than the pacer retries a reply: the outbox must take over.
    tg.fail("sendMessage", status=429, times=4, retry_after=1)
    row_id = await queue(bot, people.supervisor.id, "采购单 #3 待确认")
    svc = services(bot)
    await deliver_due(bot.bot, svc)
    waiting = await state(bot, row_id)
    assert waiting["sent_at"] is None and "429" in str(waiting["last_error"])
    clock.advance(timedelta(seconds=5))
    await deliver_due(bot.bot, svc)
    await tg.message(people.supervisor.id, "采购单 #3 待确认")
    assert (await state(bot, row_id))["sent_at"] is not None


async def test_blocked_user_is_given_up_without_blocking_others(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    tg.fail("sendMessage", status=403, times=1)
    blocked = await queue(bot, people.teacher.id, "给老师")
    fine = await queue(bot, people.supervisor.id, "给监督员")
    await deliver_due(bot.bot, services(bot))
    assert (await state(bot, blocked))["failed_at"] is not None
    await tg.message(people.supervisor.id, "给监督员")
    assert (await state(bot, fine))["sent_at"] is not None


async def test_outbox_is_delivered_by_the_job_without_being_asked(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await queue(bot, people.supervisor.id, "定时投递")
    await tg.message(people.supervisor.id, "定时投递", timeout=10)


async def test_clearing_buttons_edits_every_copy_and_notes_who_decided(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    await queue(bot, people.supervisor.id, "报修单 #9", ref="repair:9")
    await queue(bot, people.supervisor2.id, "报修单 #9", ref="repair:9")
    svc = services(bot)
    await deliver_due(bot.bot, svc)
    first = await tg.message(people.supervisor.id, "报修单 #9")
    second = await tg.message(people.supervisor2.id, "报修单 #9")
    async with svc.db.transaction() as tx:
        await outbox.enqueue_clear_buttons(tx, "repair:9", now=svc.now(), note="已由 李监督 受理")
    await deliver_due(bot.bot, svc)
    assert "reply_markup" not in tg.current(first)
    assert "reply_markup" not in tg.current(second)
    assert "李监督" in (await tg.message(people.supervisor2.id, "已由"))["text"]


async def test_notification_with_stored_photos_arrives_as_album_then_text(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    from bot.domain.messages import Photo
    from storage.files import save_bytes
    from tests.images import jpeg_bytes

    svc = services(bot)
    paths = [await save_bytes(svc.settings.data_dir, "photos", jpeg_bytes(64, 48), ".jpg")
             for _ in range(2)]  # fmt: skip
    msg = OutMessage("报修单 #5 门锁坏了", photos=tuple(Photo(path=p) for p in paths),
                     buttons=[[("受理", "rp:acc:5")]])  # fmt: skip
    async with svc.db.transaction() as tx:
        await outbox.enqueue(tx, people.supervisor.id, msg, ref="repair:5", now=svc.now())
    await deliver_due(bot.bot, svc)
    text = await tg.message(people.supervisor.id, "门锁坏了")
    album = [
        m for m in tg.sent if m.get("media_group_id") and m["chat"]["id"] == people.supervisor.id
    ]
    assert len(album) == 2 and all(m["_bytes"][:2] == b"\xff\xd8" for m in album)
    assert text["reply_markup"]["inline_keyboard"][0][0]["text"] == "受理"


async def test_missing_photo_file_does_not_lose_the_notification(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    from bot.domain.messages import Photo

    svc = services(bot)
    msg = OutMessage("采购单 #2 待确认", photos=(Photo(path="photos/gone.jpg"),))
    async with svc.db.transaction() as tx:
        await outbox.enqueue(tx, people.supervisor.id, msg, ref="purchase:2", now=svc.now())
    await deliver_due(bot.bot, svc)
    assert (await tg.message(people.supervisor.id, "采购单 #2"))["_method"] == "sendMessage"


async def test_a_decided_album_notification_gets_one_note_per_copy(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    from bot.domain.messages import Photo
    from storage.files import save_bytes
    from tests.images import jpeg_bytes

    svc = services(bot)
    paths = [await save_bytes(svc.settings.data_dir, "photos", jpeg_bytes(64, 48), ".jpg")
             for _ in range(3)]  # fmt: skip
    msg = OutMessage("报修单 #6 窗户坏了", photos=tuple(Photo(path=p) for p in paths),
                     buttons=[[("受理", "rp:acc:6")]])  # fmt: skip
    async with svc.db.transaction() as tx:
        await outbox.enqueue(tx, people.supervisor.id, msg, ref="repair:6", now=svc.now())
    await deliver_due(bot.bot, svc)
    text = await tg.message(people.supervisor.id, "窗户坏了")
    async with svc.db.transaction() as tx:
        await outbox.enqueue_clear_buttons(tx, "repair:6", now=svc.now(), note="已由 李监督 受理")
    await deliver_due(bot.bot, svc)
    assert "reply_markup" not in tg.current(text)
    notes = [m for m in tg.sent if "已由" in (m.get("text") or "")]
    assert len(notes) == 1 and notes[0]["reply_to_message"]["message_id"] == text["message_id"]


async def test_a_notification_still_queued_when_decided_arrives_without_buttons(
    bot: App, tg: FakeTelegram, people: Cast, clock: FrozenClock
) -> None:
    tg.fail("sendMessage", status=502, times=1)
    await queue(bot, people.supervisor2.id, "报修单 #7", ref="repair:7")
    svc = services(bot)
    await deliver_due(bot.bot, svc)  # refused once: still waiting in the outbox
    async with svc.db.transaction() as tx:
        await outbox.enqueue_clear_buttons(tx, "repair:7", now=svc.now(), note="已由 李监督 受理")
    clock.advance(timedelta(minutes=30))
    await deliver_due(bot.bot, svc)
    late = await tg.message(people.supervisor2.id, "报修单 #7")
    assert "reply_markup" not in late and "已由 李监督 受理" in late["text"]


async def test_a_stored_picture_is_uploaded_once_then_sent_by_file_id(
    bot: App, tg: FakeTelegram, people: Cast
) -> None:
    from bot.domain.messages import Photo
    from storage.files import save_bytes
    from tests.images import jpeg_bytes

    svc = services(bot)
    path = await save_bytes(svc.settings.data_dir, "menus", jpeg_bytes(64, 48), ".jpg")
    for person in (people.teacher, people.canteen, people.repairer):
        async with svc.db.transaction() as tx:
            await outbox.enqueue(tx, person.id, OutMessage("下周食谱", photos=(Photo(path=path),)),
                                 ref=None, now=svc.now())  # fmt: skip
    await deliver_due(bot.bot, svc)
    for person in (people.teacher, people.canteen, people.repairer):
        await tg.message(person.id, "下周食谱")
    uploads = [c for c in tg.calls_of("sendPhoto") if c.files]
    assert len(uploads) == 1 and len(tg.calls_of("sendPhoto")) == 3
