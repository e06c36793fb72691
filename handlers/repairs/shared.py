"""What the repair handlers share: timings, the pending follow-up input and
the filter that catches it, prompts, and what a reply is about."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    filters,
)

from bot.context import BotContext
from bot.domain.messages import Photo
from bot.protocol import Ref
from bot.services import notifications
from bot.telegram import about
from bot.telegram.keyboards import markup
from handlers import pending as prompts

log = logging.getLogger(__name__)


PENDING_TTL = timedelta(hours=1)
ALBUM_WAIT_SECONDS = 1.5  # Telegram delivers an album's photos as separate updates

IMAGE_FILES = filters.PHOTO | filters.Document.IMAGE | filters.Document.PDF

GUIDED_NAME = "repair_guided"
# Guided conversation states (ints: persisted as JSON).
G_PHOTOS, G_LOCATION, G_DESCRIPTION, G_CATEGORY, G_URGENCY, G_CONFIRM = range(6)


# ---- small helpers ------------------------------------------------------------------
def photo_dict(photo: Photo) -> dict[str, str | None]:
    return {"file_id": photo.file_id, "path": photo.path}


def photos_of(items: list[dict[str, Any]] | None) -> tuple[Photo, ...]:
    return tuple(Photo(p.get("file_id"), p.get("path")) for p in items or [])


async def drop_buttons(update: Update) -> None:
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def set_pending(context: BotContext, kind: str, **data: Any) -> None:
    assert context.user_data is not None
    context.user_data.repair_pending = prompts.ask(context.services.now(), kind=kind, **data)


def pop_pending(context: BotContext) -> dict[str, Any] | None:
    if context.user_data is None:
        return None
    value, context.user_data.repair_pending = context.user_data.repair_pending, None
    return value


def owes_input(app: Application[Any, Any, Any, Any, Any, Any], *, images: bool) -> prompts.Owes:
    """True while the sender owes us a follow-up input of a kind that fits this message
    (a picture only answers 完成)."""
    return prompts.Owes(
        app,
        "repair_pending_images" if images else "repair_pending_text",
        lambda state: state.repair_pending,
        PENDING_TTL,
        (lambda prompt: prompt.get("kind") == "done") if images else (lambda _: True),
    )


async def prompt(update: Update, text: str, buttons: Any = None) -> Message | None:
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_text(text, reply_markup=markup(buttons or []))


async def replied_ref(context: BotContext, message: Message) -> Ref | None:
    """What a reply is about: the notification's stored Ref (repair #12, purchase #3), or
    the Ref remembered when the bot sent that reply itself (after a tap, "已提交")."""
    replied = message.reply_to_message
    if replied is None:
        return None
    ref = await notifications.ref_of(context.services, message.chat_id, replied.message_id)
    return ref or about.recall(context.chat_data, replied.message_id)
