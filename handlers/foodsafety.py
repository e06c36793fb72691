"""Food-safety records (晨检, 留样, 消毒, 陪餐): the checklist buttons, sample photos and
陪餐 notes by reply, the purchase 清点 button, staff and rota commands, the monthly export.
Thin: check who is asking, call one service function, show the result."""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import callbacks, router
from bot.callbacks import FoodSafetyAction, Ns
from bot.context import BotContext
from bot.domain.errors import DomainError
from bot.domain.foodsafety import CERT_PHOTO_CAPTION, Health, Kind, Method
from bot.domain.messages import Photo
from bot.domain.people import Person
from bot.domain.roles import Role
from bot.services import foodsafety, notifications
from bot.telegram.media import receive_image
from bot.texts import foodsafety as t
from handlers import replies
from handlers.common import answer, current_person, message_kind, requires, say, say_error
from jobs import foodsafety as fs_jobs

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE
PHOTO_GROUP = -2  # after the access gate (-100), before patrols' reply photos (-1) and repairs (0)
_HEALTH = {"h": Health.HEALTHY, "u": Health.UNWELL, "l": Health.LEAVE}
# Buttons not on a record's checklist (symptom question, discard notice, purchase): a
# closed record is not redrawn after them.
_NOT_ON_RECORD = (
    FoodSafetyAction.SYMPTOM,
    FoodSafetyAction.DISCARD,
    FoodSafetyAction.PURCHASE_CHECK,
)


def _args(update: Update) -> str:
    message = update.effective_message
    text = (message.text or "") if message else ""
    parts = text.split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


async def _show(update: Update, context: BotContext, rv: foodsafety.RecordView) -> None:
    tapped = update.callback_query.message if update.callback_query else None
    also = [(tapped.chat.id, tapped.message_id)] if tapped is not None else []
    await fs_jobs.show_record(context.bot, context.services, rv, also=also)


async def _edit_tapped(update: Update, text: str) -> None:
    """Replace a one-off prompt (symptom question, discard notice) by its outcome."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        await query.message.edit_text(text)


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    cb = callbacks.decode(query.data)
    target = cb.int_arg(0) if cb else None
    action = cb.action_of(FoodSafetyAction) if cb else None
    person = await current_person(update, context)
    if cb is None or target is None or person is None:
        await answer(update, t.RECORD_GONE)
        return
    svc = context.services
    try:
        if action is FoodSafetyAction.HEALTH and len(cb.args) == 3 and cb.args[2] in _HEALTH:
            position = cb.int_arg(1) or 0
            tap = await foodsafety.set_health(svc, target, position, _HEALTH[cb.args[2]], by=person)
            await _show(update, context, tap.view)
            await answer(
                update, t.answer_done(tap.view.record.kind, tap.done) if tap.done else None
            )
        elif action is FoodSafetyAction.ALL_HEALTHY:
            tap = await foodsafety.all_healthy(svc, target, by=person)
            await _show(update, context, tap.view)
            await answer(
                update, t.answer_done(tap.view.record.kind, tap.done) if tap.done else tap.note
            )
        elif action is FoodSafetyAction.SYMPTOM:
            done = await foodsafety.set_symptom(svc, target, cb.int_arg(1) or 0, by=person)
            await _edit_tapped(update, done.text)
            # not _show: the tapped message is the symptom question, not the checklist
            rv = await foodsafety.view(svc, done.record_id)
            await fs_jobs.show_record(context.bot, svc, rv)
            await answer(update, t.SAVED)
        elif action is FoodSafetyAction.DISH_PHOTO:
            await foodsafety.ask_dish_photo(svc, target, cb.int_arg(1) or 0, by=person)
            await answer(update)
        elif action in (FoodSafetyAction.WEIGHED, FoodSafetyAction.ALL_WEIGHED):
            dish = cb.int_arg(1) if action is FoodSafetyAction.WEIGHED else None
            if action is FoodSafetyAction.WEIGHED and dish is None:
                raise DomainError(t.RECORD_GONE)
            tap = await foodsafety.toggle_weighed(svc, target, dish, by=person)
            await _show(update, context, tap.view)
            await answer(
                update, t.answer_done(tap.view.record.kind, tap.done) if tap.done else None
            )
        elif (
            action is FoodSafetyAction.DISINFECT
            and len(cb.args) == 2
            and cb.args[1] in {m.value for m in Method}
        ):
            tap = await foodsafety.disinfect(svc, target, Method(cb.args[1]), by=person)
            await _show(update, context, tap.view)
            await answer(
                update, t.answer_done(tap.view.record.kind, tap.done) if tap.done else None
            )
        elif action is FoodSafetyAction.RATE and len(cb.args) == 3:
            tap = await foodsafety.rate(svc, target, cb.args[1], cb.int_arg(2) or 0, by=person)
            await _show(update, context, tap.view)
            await answer(update)
        elif action in (FoodSafetyAction.SUBMIT, FoodSafetyAction.ALL_GOOD):
            tap = await foodsafety.submit_accompany(
                svc, target, by=person, all_good=action is FoodSafetyAction.ALL_GOOD
            )
            await _show(update, context, tap.view)
            assert tap.done is not None
            await answer(update, t.answer_done(tap.view.record.kind, tap.done), alert=True)
        elif action is FoodSafetyAction.DISCARD:
            discarded = await foodsafety.discard(svc, target, by=person)
            await _edit_tapped(update, discarded.text)
            await answer(update, t.SAVED)
        elif action is FoodSafetyAction.PURCHASE_CHECK:
            await answer(
                update, await foodsafety.check_purchase(svc, target, by=person), alert=True
            )
        else:  # ROW_LABEL; or forged (unknown action, wrong arguments): answered quietly too
            await answer(update)
    except DomainError as err:
        await answer(update, err.message, alert=True)
        if err.message == t.RECORD_CLOSED and action not in _NOT_ON_RECORD:
            await _show(update, context, await foodsafety.view(svc, target))


# ---------------------------------------------------------------- replies and photos


async def on_form_reply(
    update: Update, context: BotContext, person: Person, record_id: int, text: str
) -> None:
    """A text reply to a record: a note on the 陪餐 form, or a correction of a 消毒 time."""
    svc = context.services
    try:
        rv = await foodsafety.view(svc, record_id)
        fixing = rv.record.kind is Kind.DISINFECT
        if fixing:
            rv = await foodsafety.correct_disinfection(svc, record_id, text, by=person)
        else:
            rv = await foodsafety.add_form_note(svc, record_id, by=person, note=text)
    except DomainError as err:
        await say_error(update, err)
        return
    await _show(update, context, rv)
    await say(update, t.SAVED if fixing else t.NOTE_SAVED)


async def on_dish_text(
    update: Update, context: BotContext, person: Person, entry_id: int, text: str
) -> None:
    await say(update, t.DISH_NEEDS_PHOTO)


async def on_photo(update: Update, context: BotContext) -> None:
    """A picture answering a 留样 prompt or a 陪餐 form (by the replied message's stored
    Ref). Runs ahead of the patrols' reply photos and the repairs' catch-all and stops
    there; any other picture goes on."""
    message = update.effective_message
    person = await current_person(update, context)
    if message is None or message.reply_to_message is None or person is None:
        return
    about = await notifications.ref_of(
        context.services, message.chat_id, message.reply_to_message.message_id
    )
    intent = router.route(
        router.Incoming(
            message_kind(message), message.caption or "", person.roles, replied_to=about
        )
    )
    if not isinstance(intent, router.SamplePhoto | router.NoteOnFoodRecord):
        return
    await _photo(update, context, person, intent)
    raise ApplicationHandlerStop


async def _photo(
    update: Update,
    context: BotContext,
    person: Person,
    intent: router.SamplePhoto | router.NoteOnFoodRecord,
) -> None:
    message = update.effective_message
    assert message is not None
    svc = context.services
    try:
        photo: Photo = await receive_image(update, context, folder="foodsafety")
        if isinstance(intent, router.SamplePhoto):
            tap = await foodsafety.add_dish_photo(svc, intent.entry_id, photo, by=person)
            rv = tap.view
        else:
            rv = await foodsafety.add_form_note(
                svc, intent.record_id, by=person, note=message.caption, photo=photo
            )
    except DomainError as err:
        await say_error(update, err)
        return
    await fs_jobs.show_record(context.bot, svc, rv)
    await say(update, t.PHOTO_SAVED)


async def on_cert_photo(update: Update, context: BotContext) -> None:
    """A photo captioned 「健康证 张三」 from the canteen manager: that worker's certificate.
    Ahead of group 0 for the same reason as the sample photos."""
    await _cert_photo(update, context)
    raise ApplicationHandlerStop


@requires(Role.CANTEEN)
async def _cert_photo(update: Update, context: BotContext, person: Person) -> None:
    message = update.effective_message
    assert message is not None
    photo = await receive_image(update, context, folder="foodsafety")
    name = await foodsafety.set_worker_photo(context.services, message.caption, photo, by=person)
    await say(update, t.worker_photo_saved(name))


# ---------------------------------------------------------------- commands


@requires(Role.CANTEEN)
async def cmd_staff(update: Update, context: BotContext, person: Person) -> None:
    svc = context.services
    arg = _args(update).strip()
    parts = arg.split(maxsplit=1)
    if not parts:
        await say(update, t.staff_text(await foodsafety.workers(svc), svc.local_now().date()))
    elif parts[0] in ("添加", "加", "add", "更新") and len(parts) == 2:
        name, created = await foodsafety.save_worker(svc, parts[1], by=person)
        await say(update, t.worker_saved(name, created))
    elif parts[0] in ("删除", "删", "remove", "del") and len(parts) == 2:
        await say(
            update, t.worker_removed(await foodsafety.remove_worker(svc, parts[1], by=person))
        )
    else:
        await say(update, t.STAFF_USAGE)


@requires(Role.ADMIN)
async def cmd_roster(update: Update, context: BotContext, person: Person) -> None:
    svc = context.services
    arg = _args(update)
    if arg.strip():
        duty, key, names = await foodsafety.set_roster(svc, arg, by=person)
        await say(update, t.roster_set(duty, key, names))
        return
    duties, names_by_id = await foodsafety.roster(svc)
    await say(update, t.roster_text(duties, names_by_id))


@requires(Role.ADMIN)
async def cmd_times(update: Update, context: BotContext, person: Person) -> None:
    svc = context.services
    arg = _args(update)
    if not arg.strip():
        await say(update, t.times_text(await foodsafety.times(svc)))
        return
    new = await foodsafety.set_times(svc, arg, by=person)
    await fs_jobs.schedule(context.application, new)
    await say(update, t.times_set(new))


_EXPORT_FS = re.compile(r"^/export(?:@\w+)?\s+(?:食品安全|食安|foodsafety)\b\s*(.*)$", re.I | re.S)


@requires(Role.SUPERVISOR, Role.CANTEEN)
async def cmd_export(update: Update, context: BotContext, person: Person) -> None:
    """``/export 食品安全 2026-11`` (``照片`` at the end: the photos as a zip too)."""
    message = update.effective_message
    assert message is not None
    m = _EXPORT_FS.match(message.text or "")
    rest = (m[1] if m else "").split()
    with_photos = bool(rest) and rest[-1] in ("照片", "photos")
    month_text = " ".join(rest[:-1] if with_photos else rest)
    first, export = await foodsafety.export_month(
        context.services, month_text, by=person, with_photos=with_photos
    )
    if export.empty:
        await say(update, t.no_records(first))
        return
    await message.reply_document(
        export.workbook, filename=t.export_name(first), caption=t.export_caption(first, export.gaps)
    )
    if with_photos:
        if export.photos is None:
            await say(update, t.no_photos(first))
        else:
            await message.reply_document(
                export.photos,
                filename=t.photos_name(first),
                caption=t.photos_caption(first, export.photo_count),
            )


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add this feature's handlers (private chats only)."""
    app.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(Ns.FOOD_SAFETY)))
    app.add_handler(CommandHandler("canteen_staff", cmd_staff, filters=PRIVATE))
    app.add_handler(CommandHandler("canteen_roster", cmd_roster, filters=PRIVATE))
    app.add_handler(CommandHandler("canteen_times", cmd_times, filters=PRIVATE))
    # /export is shared: this one answers only "/export 食品安全 …".
    app.add_handler(
        CommandHandler("export", cmd_export, filters=PRIVATE & filters.Regex(_EXPORT_FS))
    )
    # Note: order matters! A photo replying to a 留样 prompt or a 陪餐 form must reach us
    # before the repairs feature's catch-all photo handler in group 0 files it as a report.
    app.add_handler(
        MessageHandler(
            PRIVATE & filters.REPLY & (filters.PHOTO | filters.Document.ALL),
            on_photo,
        ),
        group=PHOTO_GROUP,
    )
    app.add_handler(
        MessageHandler(
            PRIVATE
            & (filters.PHOTO | filters.Document.IMAGE)
            & filters.CaptionRegex(CERT_PHOTO_CAPTION),
            on_cert_photo,
        ),
        group=PHOTO_GROUP,
    )
    replies.route(router.NoteOnFoodRecord, on_form_reply)
    replies.route(router.TextOnSampleDish, on_dish_text)
