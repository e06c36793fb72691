"""Photos for the purchaser's open draft: a caption that says 票据 or 合格证 files the photo
at once; otherwise the bot asks which it is. A certificate whose line is unclear asks which
of the lines still missing one it is for. Waiting photos are kept by a token in the
question's buttons, so that each question attaches its own photos."""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import Update
from telegram.error import BadRequest

from bot import callbacks, router
from bot.callbacks import PurchaseDraftAction
from bot.context import BotContext
from bot.domain.messages import Photo
from bot.domain.people import Person
from bot.domain.purchases import PhotoKind, Purchase, certificate_line, photo_kind_in
from bot.domain.roles import Role
from bot.protocol import Ref
from bot.services import purchases as service
from bot.services.purchases import DraftResult
from bot.telegram import media
from bot.telegram.keyboards import markup
from bot.texts import purchases as t
from handlers.common import answer, message_kind, requires, say
from handlers.purchases import preview
from handlers.purchases.states import EDITING, END


def pending_photos(context: BotContext) -> dict[str, Any]:
    """Photos waiting for an answer (票据 or 合格证? which line?), by token."""
    if context.user_data is None:
        return {}
    pending = context.user_data.purchase_photos
    if "file_id" in pending:  # the old shape
        pending = context.user_data.purchase_photos = {}
    return pending


async def ask_which_line(
    update: Update, context: BotContext, purchase: Purchase, waiting: dict[str, Any]
) -> None:
    """Buttons for the lines still missing a certificate (of a draft, or of a purchase
    already submitted: ``waiting["late"]``); the photos wait by a token."""
    message = update.effective_message
    pending = pending_photos(context)
    token = str(message.message_id if message is not None else len(pending))
    pending[token] = waiting
    missing = purchase.missing_certificates(context.services.settings.certificate_items)
    rows = [
        [(f"{number}. {line.item}", callbacks.button(
            PurchaseDraftAction.CERT_LINE, purchase.id, token, number))]
        for number, line in enumerate(purchase.lines, start=1)
        if line.item in missing
    ]  # fmt: skip
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, t.ASK_CERTIFICATE_LINE, reply_markup=markup(rows))


@requires(Role.PURCHASER)
async def on_draft_photo(update: Update, context: BotContext, person: Person) -> int:
    message = update.effective_message
    assert message is not None
    draft_id = await service.open_draft(context.services, person)
    intent = router.route(
        router.Incoming(
            message_kind(message),
            message.caption or "",
            person.roles,
            open_drafts=(Ref.purchase(draft_id),) if draft_id is not None else (),
        )
    )
    if not isinstance(intent, router.AttachToPurchase):
        await say(update, t.NO_DRAFT)
        return END
    purchase_id = intent.purchase_id
    photo = await media.receive_image(update, context)
    group = message.media_group_id
    kind = photo_kind_in(message.caption or "")
    album = context.user_data.purchase_album if context.user_data is not None else None
    if kind is None and group and isinstance(album, dict) and album.get("group") == group:
        kind = PhotoKind(album["kind"])  # an album's caption sits on its first photo only
    if kind is not None:
        if group and context.user_data is not None:
            context.user_data.purchase_album = {"group": group, "kind": kind.value}
        await _attach(update, context, person, purchase_id, kind, [photo], message.caption or "")
        return EDITING
    stored = {"file_id": photo.file_id, "path": photo.path}
    pending = pending_photos(context)
    for entry in pending.values():
        if group and entry.get("group") == group and entry.get("purchase_id") == purchase_id:
            entry["photos"].append(stored)  # one question for the whole album
            return EDITING
    token = str(message.message_id)
    pending[token] = {"purchase_id": purchase_id, "group": group, "photos": [stored]}
    receipt, cert = t.PHOTO_KIND_BUTTONS
    draft = await service.draft(context.services, person, purchase_id)
    older = preview.older_draft_note(context, draft.created_at)
    question = f"{t.ASK_PHOTO_KIND}\n{older}" if older else t.ASK_PHOTO_KIND
    await say(update, question, [[
        (receipt, callbacks.button(PurchaseDraftAction.PHOTO_KIND, "rc", purchase_id, token)),
        (cert, callbacks.button(PurchaseDraftAction.PHOTO_KIND, "ct", purchase_id, token)),
    ]])  # fmt: skip
    return EDITING


async def _attach(
    update: Update, context: BotContext, person: Person, purchase_id: int, kind: PhotoKind,
    photos: list[Photo], caption: str = "",
) -> None:  # fmt: skip
    item: str | None = None
    if kind is PhotoKind.CERTIFICATE:
        draft = await service.draft(context.services, person, purchase_id)
        missing = draft.missing_certificates(context.services.settings.certificate_items)
        item = certificate_line(caption, missing)
        if item is None and missing:  # several lines miss one: which is it for?
            stored = [{"file_id": p.file_id, "path": p.path} for p in photos]
            waiting = {"purchase_id": draft.id, "group": None, "photos": stored}
            await ask_which_line(update, context, draft, waiting)
            return
    purchase = None
    for photo in photos:
        purchase = await service.attach_photo(
            context.services, person, purchase_id, kind, photo, item
        )
    if purchase is not None:
        note = t.photos_attached(kind, len(photos))
        await preview.show(update, context, DraftResult(purchase), note)


async def on_certificate_line_button(
    update: Update, context: BotContext, person: Person, data: callbacks.Callback
) -> int | None:
    purchase_id, number = data.int_arg(0), data.int_arg(2)
    token = data.args[1] if len(data.args) > 1 else ""
    entry = pending_photos(context).get(token)
    if (
        purchase_id is None
        or number is None
        or not isinstance(entry, dict)
        or entry.get("purchase_id") != purchase_id
    ):
        await answer(update, t.PHOTO_GONE)
        return None
    query = update.callback_query
    if entry.get("late"):  # a purchase already submitted: no draft conversation
        told = await _attach_late(context, person, purchase_id, entry, number)
        pending_photos(context).pop(token, None)
        await answer(update)
        if query is not None and told is not None:
            with contextlib.suppress(BadRequest):
                await query.edit_message_text(told)
        return END
    draft = await service.draft(context.services, person, purchase_id)
    if not 1 <= number <= len(draft.lines):
        await answer(update, t.PHOTO_GONE)
        return None
    item = draft.lines[number - 1].item
    purchase = None
    for p in entry["photos"]:
        photo = Photo(p.get("file_id"), p.get("path"))
        purchase = await service.attach_photo(
            context.services, person, purchase_id, PhotoKind.CERTIFICATE, photo, item
        )
    pending_photos(context).pop(token, None)
    await answer(update)
    if query is not None:
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(t.certificate_for(item))
    if purchase is not None:
        await preview.show(update, context, DraftResult(purchase))
    return EDITING


async def on_photo_kind_button(
    update: Update, context: BotContext, person: Person, data: callbacks.Callback
) -> int | None:
    purchase_id = data.int_arg(1)
    token = data.args[2] if len(data.args) > 2 else ""
    entry = pending_photos(context).get(token)
    if not isinstance(entry, dict) or entry.get("purchase_id") != purchase_id:
        await answer(update, t.PHOTO_GONE)
        return None
    kind = PhotoKind.CERTIFICATE if data.args[0] == "ct" else PhotoKind.RECEIPT
    assert purchase_id is not None
    photos = [Photo(p.get("file_id"), p.get("path")) for p in entry["photos"]]
    await _attach(update, context, person, purchase_id, kind, photos)
    pending_photos(context).pop(token, None)
    await answer(update)
    query = update.callback_query
    if query is not None:
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(t.photo_kind_chosen(kind, len(photos)))
    return EDITING


async def _attach_late(
    context: BotContext, person: Person, purchase_id: int, entry: dict[str, object], number: int
) -> str | None:
    """The certificate waiting for a submitted purchase goes to line ``number``; what to
    tell the purchaser."""
    purchase = await service.own_submitted(context.services, person, purchase_id)
    if not 1 <= number <= len(purchase.lines):
        return None
    item = purchase.lines[number - 1].item
    photos = entry.get("photos")
    told = None
    for p in photos if isinstance(photos, list) else []:
        purchase, kind = await service.add_late_photo(
            context.services, person, purchase_id, str(entry.get("caption") or ""),
            Photo(p.get("file_id"), p.get("path")), item,
        )  # fmt: skip
        told = f"{t.certificate_for(item)}{t.late_photo_added(purchase, kind)}"
    return told
