"""Patrol checklists (走走看看): the item buttons, notes and photos for abnormal items,
records, the monthly export, and the admin commands for items, times, roster, holidays."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import callbacks, router
from bot.callbacks import Ns, PatrolAction
from bot.context import BotContext
from bot.domain.errors import DomainError, RoundClosed
from bot.domain.messages import Photo
from bot.domain.patrols import ItemState, month_range
from bot.domain.people import Person
from bot.domain.roles import Role
from bot.exports.xlsx import Sheet, write_xlsx
from bot.render import offload
from bot.services import notifications, patrols
from bot.telegram.checklists import edit_checklist
from bot.telegram.media import receive_image
from bot.texts import patrols as t
from handlers import replies
from handlers.common import answer, current_person, message_kind, requires, say, say_error
from jobs import patrols as patrol_jobs

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE
NOTE_PHOTO_GROUP = -1  # after the access gate (-100), before the features (0)


def _args(update: Update) -> str:
    """Everything after the command word (may span lines)."""
    message = update.effective_message
    text = (message.text or "") if message else ""
    return text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) > 1 else ""


async def _show_everywhere(update: Update, context: BotContext, rv: patrols.RoundView) -> None:
    """The checklist in its new state: at once in the message tapped (or, after a note, in
    the writer's own chat), and soon (paced, coalesced) in the chats of the other people on
    duty, so nobody works from a stale copy."""
    svc = context.services
    tapped = update.callback_query.message if update.callback_query else None
    if tapped is not None:
        shown: tuple[int, int] | None = (tapped.chat.id, tapped.message_id)
    else:
        chat = update.effective_chat
        mine = [
            m
            for m in await patrols.checklist_messages(svc, rv.round.id)
            if chat and m[0] == chat.id
        ]
        shown = mine[-1] if mine else None
    if shown is not None:
        await edit_checklist(context.bot, svc, rv, *shown)
    await patrols.refresh_checklists(svc, rv, shown=shown)


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    cb = callbacks.decode(query.data)
    round_id = cb.int_arg(0) if cb else None
    action = cb.action_of(PatrolAction) if cb else None
    if cb is None or round_id is None:
        await answer(update, t.ROUND_GONE)
        return
    person = await current_person(update, context)
    if person is None or not person.has(Role.PATROL):
        await answer(update, t.NOT_YOUR_ROUND, alert=True)
        return
    svc = context.services
    try:
        if action is PatrolAction.TICK:
            position = cb.int_arg(1)
            if position is None:
                await answer(update, t.ROUND_GONE)
                return
            # The tapper is answered first; the checklists are redrawn after.
            tap = await patrols.tap_item(svc, round_id, position, by=person)
            await answer(update, t.NOTE_ASKED if tap.state is ItemState.ABNORMAL else None)
            await _show_everywhere(update, context, tap.view)
        elif action is PatrolAction.ALL_OK:
            rv, changed = await patrols.mark_all_ok(svc, round_id, by=person)
            await answer(update, t.ALL_OK_DONE if changed else t.NOTHING_CHANGED)
            await _show_everywhere(update, context, rv)
        elif action is PatrolAction.SUBMIT:
            done = await patrols.submit(svc, round_id, by=person)
            await answer(update, t.submitted_answer(done.state, done.repair_ids), alert=True)
            await _show_everywhere(update, context, done.view)
        else:
            await answer(update, t.ROUND_GONE)
    except DomainError as err:
        # Stale or second taps: the round was submitted meanwhile. Show its final state.
        await answer(update, err.message, alert=True)
        if isinstance(err, RoundClosed):
            await _show_everywhere(update, context, await patrols.view(svc, round_id))


# ---------------------------------------------------------------- notes and photos


async def on_note_reply(
    update: Update, context: BotContext, person: Person, check_id: int, text: str
) -> None:
    """A text reply to the prompt of an abnormal item is its note."""
    try:
        rv = await patrols.add_note(context.services, check_id, by=person, note=text)
    except DomainError as err:
        await say_error(update, err)
        return
    await _show_everywhere(update, context, rv)
    await say(update, t.NOTE_SAVED)


async def on_note_photo(update: Update, context: BotContext) -> None:
    """A photo (optionally captioned) replying to the prompt of an abnormal item (found by
    the prompt's stored Ref). Runs in its own group ahead of group 0 and stops there,
    because the repairs feature takes every private photo in group 0 as a new report; any
    other picture goes on to group 0."""
    message = update.effective_message
    person = await current_person(update, context)
    if message is None or message.reply_to_message is None or person is None:
        return
    ref = await notifications.ref_of(
        context.services, message.chat_id, message.reply_to_message.message_id
    )
    intent = router.route(
        router.Incoming(message_kind(message), message.caption or "", person.roles, replied_to=ref)
    )
    if not isinstance(intent, router.NoteOnPatrolCheck):
        return
    await _note_photo(update, context, person, intent.check_id)
    raise ApplicationHandlerStop


async def _note_photo(update: Update, context: BotContext, person: Person, check_id: int) -> None:
    message = update.effective_message
    assert message is not None
    try:
        photo: Photo = await receive_image(update, context)
        rv = await patrols.add_note(
            context.services, check_id, by=person, note=message.caption, photo=photo
        )
    except DomainError as err:
        await say_error(update, err)
        return
    await _show_everywhere(update, context, rv)
    await say(update, t.PHOTO_SAVED)


# ---------------------------------------------------------------- records and export


@requires(Role.PATROL, Role.SUPERVISOR)
async def cmd_patrols(update: Update, context: BotContext, person: Person) -> None:
    svc = context.services
    day, slot = patrols.parse_records_query(_args(update), svc.local_now().date())
    recs = await patrols.records(svc, day, day + timedelta(days=1), slot=slot)
    tz = svc.settings.timezone
    if slot is not None:  # one round, item by item: who checked what, who submitted
        await say(update, recs[0].detail(tz) if recs else t.no_such_round(day, slot))
        return
    rows = [
        (
            f"{rec.round.slot.label} {rec.round.at.astimezone(tz):%H:%M}",
            rec.who,
            rec.result,
            t.submitted_at(f"{rec.round.submitted_at.astimezone(tz):%H:%M}")
            if rec.round.submitted_at
            else "",
        )
        for rec in recs
    ]
    await say(update, t.rounds_report(day, rows))


@requires(Role.SUPERVISOR)
async def cmd_export(update: Update, context: BotContext, person: Person) -> None:
    svc = context.services
    arg = _args(update).split(maxsplit=1)
    first, end = month_range(arg[1] if len(arg) > 1 else None, svc.local_now().date())
    recs = await patrols.records(svc, first, end)
    if not recs:
        await say(update, t.no_rounds_in_month(first))
        return
    sheet = Sheet(t.EXPORT_TITLE, t.EXPORT_HEADERS, patrols.export_rows(svc, recs))
    data = await offload.build(write_xlsx, [sheet], tz=svc.settings.timezone)
    message = update.effective_message
    assert message is not None
    await message.reply_document(
        data, filename=t.export_name(first), caption=t.export_caption(first)
    )


# ---------------------------------------------------------------- admin


@requires(Role.ADMIN)
async def cmd_items(update: Update, context: BotContext, person: Person) -> None:
    svc = context.services
    parts = _args(update).split(maxsplit=2)
    if not parts:
        await say(update, t.items_text(await patrols.items_by_slot(svc)))
        return
    if len(parts) == 3 and parts[0] in ("添加", "加", "add"):
        slot, text = await patrols.add_item(svc, parts[1], parts[2], by=person)
        await say(update, t.item_added(slot, text))
    elif len(parts) == 3 and parts[0] in ("删除", "删", "remove", "del"):
        slot, text = await patrols.remove_item(svc, parts[1], parts[2], by=person)
        await say(update, t.item_removed(slot, text))
    else:
        await say(update, t.ITEMS_USAGE)


@requires(Role.ADMIN)
async def cmd_times(update: Update, context: BotContext, person: Person) -> None:
    svc = context.services
    arg = _args(update)
    if not arg.strip():
        await say(update, t.times_text(await patrols.times(svc)))
        return
    new = await patrols.set_times(svc, arg, by=person)
    await patrol_jobs.schedule_rounds(context.application, new)
    await say(update, t.times_set(new))


@requires(Role.ADMIN)
async def cmd_roster(update: Update, context: BotContext, person: Person) -> None:
    svc = context.services
    arg = _args(update)
    if arg.strip():
        key, names = await patrols.set_roster(svc, arg, by=person)
        await say(update, t.roster_set(key, names))
        return
    entries, names_by_id = await patrols.roster(svc)
    await say(update, t.roster_text(entries, names_by_id))


@requires(Role.ADMIN)
async def cmd_holiday(update: Update, context: BotContext, person: Person) -> None:
    svc = context.services
    arg = _args(update).strip()
    if not arg:
        await say(update, t.holidays_text(await patrols.holidays(svc)))
        return
    parts = arg.split(maxsplit=1)
    if parts[0] in ("删除", "删", "remove", "del"):
        await patrols.remove_holiday(svc, parts[1] if len(parts) > 1 else "", by=person)
        await say(update, t.HOLIDAY_REMOVED)
        return
    first, last = await patrols.add_holiday(svc, arg, by=person)
    await say(update, t.holiday_added(first, last))


_EXPORT_PATROLS = filters.Regex(re.compile(r"^/export(?:@\w+)?\s+(?:patrols?|巡查)\b", re.I))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add this feature's handlers (private-chat and group handlers separately)."""
    app.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(Ns.PATROL)))
    app.add_handler(CommandHandler("patrols", cmd_patrols, filters=PRIVATE))
    # /export is shared with other features: this one answers only "/export patrols".
    app.add_handler(CommandHandler("export", cmd_export, filters=PRIVATE & _EXPORT_PATROLS))
    app.add_handler(CommandHandler("patrol_items", cmd_items, filters=PRIVATE))
    app.add_handler(CommandHandler("patrol_times", cmd_times, filters=PRIVATE))
    app.add_handler(CommandHandler("roster", cmd_roster, filters=PRIVATE))
    app.add_handler(CommandHandler("holiday", cmd_holiday, filters=PRIVATE))
    # Note: order matters! A photo replying to a "写一句说明" prompt must reach us before
    # the repairs feature's catch-all photo handler in group 0 files it as a new report.
    app.add_handler(
        MessageHandler(
            PRIVATE & filters.REPLY & (filters.PHOTO | filters.Document.ALL),
            on_note_photo,
        ),
        group=NOTE_PHOTO_GROUP,
    )
    replies.route(router.NoteOnPatrolCheck, on_note_reply)
