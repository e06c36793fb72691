"""The purchaser's draft preview: one card per chat, edited in place as lines and photos
are added, moved down (sent anew, the old one removed) once it has scrolled away or when
something needs the purchaser's eye. Only this card carries the 提交 / 取消 buttons."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot import callbacks
from bot.callbacks import PurchaseDraftAction
from bot.context import BotContext
from bot.domain.messages import ShownCard, split_text, text_digest, update_card
from bot.services.purchases import DraftResult
from bot.telegram.keyboards import markup
from bot.texts import purchases as t

log = logging.getLogger(__name__)


def _buttons(purchase_id: int) -> list[list[tuple[str, str]]]:
    submit = callbacks.button(PurchaseDraftAction.SUBMIT, purchase_id)
    cancel = callbacks.button(PurchaseDraftAction.CANCEL, purchase_id)
    return [[(t.BUTTON_SUBMIT, submit), (t.BUTTON_CANCEL, cancel)]]


def _shown(context: BotContext) -> ShownCard | None:
    data = context.user_data.purchase_preview if context.user_data is not None else None
    if not isinstance(data, dict):
        return None
    try:
        ids = tuple(int(i) for i in data["ids"])
        digests = tuple(str(d) for d in data["digests"])
        return ShownCard(int(data["purchase"]), ids, digests, int(data.get("edits", 0)))
    except (KeyError, TypeError, ValueError):  # an older or damaged shape: start afresh
        return None


def _remember(context: BotContext, card: ShownCard | None) -> None:
    if context.user_data is None:
        return
    context.user_data.purchase_preview = (
        None
        if card is None
        else {
            "purchase": card.key,
            "ids": list(card.message_ids),
            "digests": list(card.digests),
            "edits": card.edits,
        }
    )


def older_draft_note(context: BotContext, created_at: datetime) -> str | None:
    """A draft left open since an earlier day still takes every photo and line: say so, so
    a photo meant for something else (a repair) is not silently taken as a receipt."""
    svc = context.services
    day = created_at.astimezone(svc.settings.timezone).date()
    return t.older_draft(day) if day < svc.local_now().date() else None


async def show(
    update: Update,
    context: BotContext,
    result: DraftResult,
    prefix: str | None = None,
    *,
    move_down: bool = False,
) -> None:
    """Bring the chat's preview to the draft's current state. Lines it could not read move
    it down, so the problem is in view, right under what the purchaser sent."""
    chat = update.effective_chat
    if chat is None:
        return
    purchase = result.purchase
    old = older_draft_note(context, purchase.created_at)
    note = " ".join(n for n in (old, prefix, result.note) if n) or None
    text = t.preview(purchase, result.bad, context.services.settings.certificate_items, note)
    parts = split_text(text)  # sixty long lines do not fit in one message
    shown = _shown(context)
    plan = update_card(shown, purchase.id, parts, move_down=move_down or bool(result.bad))
    keyboard = markup(_buttons(purchase.id))
    if not plan.send:
        assert shown is not None
        if await _edit(context, chat.id, shown, plan.edit, keyboard):
            digests = tuple(text_digest(p) for p in parts)
            _remember(context, ShownCard(purchase.id, shown.message_ids, digests, shown.edits + 1))
            return
        plan_remove: tuple[int, ...] = shown.message_ids  # gone from the chat: send anew
    else:
        plan_remove = plan.remove
    await _remove(context, chat.id, plan_remove)
    ids: list[int] = []
    for number, part in enumerate(parts, start=1):
        buttons = keyboard if number == len(parts) else None
        sent = await context.bot.send_message(chat.id, part, reply_markup=buttons)
        ids.append(sent.message_id)
    _remember(context, ShownCard(purchase.id, tuple(ids), tuple(text_digest(p) for p in parts)))


async def _edit(
    context: BotContext,
    chat_id: int,
    shown: ShownCard,
    changes: tuple[tuple[int, str], ...],
    keyboard: InlineKeyboardMarkup | None,
) -> bool:
    """Edit the parts that changed; False when the card is no longer there to edit (the
    purchaser deleted it), so that it is sent anew."""
    last_id = shown.message_ids[-1]
    for message_id, text in changes:
        try:
            await context.bot.edit_message_text(
                text,
                chat_id,
                message_id,
                reply_markup=keyboard if message_id == last_id else None,
            )
        except BadRequest as err:
            if "not modified" in err.message.lower():
                continue
            log.info("draft preview %s could not be edited (%s): sent anew", message_id, err)
            return False
    return True


async def _remove(context: BotContext, chat_id: int, message_ids: tuple[int, ...]) -> None:
    """The old card goes; if Telegram will not delete it (older than 48 hours), its buttons
    come off, so that only the newest preview submits."""
    for message_id in message_ids:
        try:
            await context.bot.delete_message(chat_id, message_id)
        except BadRequest:
            if message_id == message_ids[-1]:
                with contextlib.suppress(BadRequest):
                    await context.bot.edit_message_reply_markup(
                        chat_id, message_id, reply_markup=None
                    )


async def take_buttons_off(update: Update, context: BotContext) -> None:
    """The draft was cancelled by /cancel: its preview stays as a record, without buttons."""
    shown = _shown(context)
    chat = update.effective_chat
    if shown is None or chat is None:
        return
    with contextlib.suppress(BadRequest):  # already gone or not modified: nothing to take off
        await context.bot.edit_message_reply_markup(
            chat.id, shown.message_ids[-1], reply_markup=None
        )


def forget(context: BotContext) -> None:
    _remember(context, None)
