"""Looking repairs up: ``/repairs`` (the list for one's role) and ``/repair <id>`` (the
card, with its photos and history)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InputMediaPhoto, Update
from telegram.error import BadRequest

from bot.context import BotContext
from bot.domain.ids import parse_id
from bot.domain.messages import Photo
from bot.domain.people import Person
from bot.domain.roles import Role
from bot.protocol import Ref
from bot.services import files
from bot.services import repairs as service
from bot.telegram import about
from bot.telegram.keyboards import markup
from bot.texts import repairs as t
from handlers.common import requires, say

log = logging.getLogger(__name__)


# ---- looking things up --------------------------------------------------------------
@requires()
async def on_list(update: Update, context: BotContext, person: Person) -> None:
    scope, tickets = await service.list_for(context.services, person)
    if not tickets:
        empty = {"all": t.LIST_EMPTY_ALL, "jobs": t.LIST_EMPTY_REPAIRER, "mine": t.LIST_EMPTY_STAFF}
        await say(update, empty[scope])
        return
    now = context.services.now()
    lines = [t.list_title(scope, len(tickets))]
    lines += [t.list_line(ticket, now) for ticket in tickets[:40]]
    if len(tickets) > 40:
        lines.append(t.list_more(len(tickets) - 40))
    lines.append(t.LIST_FOOTER)
    await say(update, "\n".join(lines))


async def show_detail(update: Update, context: BotContext, person: Person, arg: str) -> None:
    repair_id = parse_id(arg)
    if repair_id is None:
        await say(update, t.DETAIL_USAGE)
        return
    svc = context.services
    detail = await service.detail(svc, repair_id, viewer=person)
    message = update.effective_message
    assert message is not None
    photos = (detail.before + detail.after)[:10]
    if photos:
        await _send_photos(context, message.chat_id, photos)
    history = [(h.at, h.actor_name, h.action, h.detail) for h in detail.history]
    ticket = detail.ticket
    buttons = t.detail_buttons(
        ticket,
        supervisor=person.has(Role.SUPERVISOR),
        reporter=person.user_id == ticket.reporter_id,
        assignee=person.user_id == ticket.assignee_id,
    )
    counts = (len(detail.before), len(detail.after))
    sent = await message.reply_text(
        t.detail_text(ticket, history, svc.settings.timezone, counts), reply_markup=markup(buttons)
    )
    about.remember(context.chat_data, sent, Ref.repair(ticket.id))


async def _send_photos(context: BotContext, chat_id: int, photos: tuple[Photo, ...]) -> None:
    """Re-send by file_id; fall back to the stored copy if Telegram no longer knows it."""

    async def media(photo: Photo, by_path: bool) -> Any:
        if photo.path and (by_path or not photo.file_id):
            return await files.read(context.services, photo.path)
        return photo.file_id

    for by_path in (False, True):
        try:
            items = [await media(p, by_path) for p in photos]
            if len(items) == 1:
                await context.bot.send_photo(chat_id, items[0])
            else:
                await context.bot.send_media_group(chat_id, [InputMediaPhoto(i) for i in items])
            return
        except (BadRequest, OSError, ValueError) as exc:
            log.info("re-sending repair photos by %s failed: %s", "path" if by_path else "id", exc)
    await context.bot.send_message(chat_id, t.PHOTOS_UNAVAILABLE)
