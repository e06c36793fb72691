"""Photos for a purchase already submitted: a certificate whose line is unclear asks which
of the lines still missing one it is for (the photo waits, by a token in the buttons)."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.domain.messages import Photo
from bot.domain.people import Person
from bot.domain.purchases import PhotoKind, certificate_line
from bot.services import purchases as service
from handlers.purchases.photos import ask_which_line


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
    waiting = {"purchase_id": purchase_id, "group": None, "late": True, "caption": caption,
               "photos": [{"file_id": photo.file_id, "path": photo.path}]}  # fmt: skip
    await ask_which_line(update, context, purchase, waiting)
    return True
