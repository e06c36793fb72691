"""Photos for a purchase already submitted: a certificate whose line is unclear asks which
of the lines still missing one it is for (the photo waits, by a token in the buttons)."""

from __future__ import annotations

from telegram import Update

from bot import callbacks
from bot.callbacks import PurchaseDraftAction
from bot.context import BotContext
from bot.domain.messages import Photo
from bot.domain.people import Person
from bot.domain.purchases import PhotoKind, certificate_line
from bot.services import purchases as service
from bot.telegram.keyboards import markup
from bot.texts import purchases as t


async def ask_certificate_line(
    update: Update, context: BotContext, person: Person, purchase_id: int, caption: str,
    photo: Photo,
) -> bool:  # fmt: skip
    """True if the purchaser was asked which line the certificate is for."""
    if service.photo_kind(caption) is not PhotoKind.CERTIFICATE or context.user_data is None:
        return False
    purchase = await service.own_submitted(context.services, person, purchase_id)
    missing = purchase.missing_certificates(context.services.settings.certificate_items)
    if len(set(missing)) < 2 or certificate_line(caption, missing) is not None:
        return False
    message = update.effective_message
    token = str(message.message_id if message is not None else purchase_id)
    context.user_data.purchase_photos[token] = {
        "purchase_id": purchase_id,
        "group": None,
        "late": True,
        "caption": caption,
        "photos": [{"file_id": photo.file_id, "path": photo.path}],
    }
    rows = [
        [(f"{number}. {line.item}", callbacks.button(
            PurchaseDraftAction.CERT_LINE, purchase_id, token, number))]
        for number, line in enumerate(purchase.lines, start=1)
        if line.item in missing
    ]  # fmt: skip
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, t.ASK_CERTIFICATE_LINE, reply_markup=markup(rows))
    return True


async def attach_to_line(
    context: BotContext, person: Person, purchase_id: int, entry: dict[str, object], number: int
) -> str | None:
    """The waiting certificate goes to line ``number``; what to tell the purchaser."""
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
