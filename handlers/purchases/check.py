"""The supervisor's 确认 / 驳回 of a submitted purchase: by button, by replying to the
notification, and the reason a rejection asks for."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
)

from bot import callbacks, router
from bot.callbacks import PurchaseCheckAction
from bot.context import BotContext
from bot.domain.errors import DomainError, ReasonRequired
from bot.domain.people import Person
from bot.domain.repairs import normalise_caption
from bot.domain.roles import Role
from bot.services import notifications
from bot.services import purchases as service
from bot.texts import common as common_texts
from bot.texts import purchases as t
from handlers import pending as prompts
from handlers import replies
from handlers.common import answer, requires, say, say_error
from handlers.purchases.states import END, REASON

log = logging.getLogger(__name__)


REJECT_TTL = timedelta(hours=1)

# ---------------------------------------------------------------- supervisor


@requires(Role.SUPERVISOR)
async def on_check_button(update: Update, context: BotContext, person: Person) -> None:
    query = update.callback_query
    data = callbacks.decode(query.data if query is not None else None)
    purchase_id = data.int_arg(0) if data is not None else None
    if data is None or purchase_id is None or data.action_of(PurchaseCheckAction) is None:
        await answer(update, common_texts.STALE_BUTTON)
        return
    purchase = await service.confirm(context.services, person, purchase_id)
    await answer(update, t.confirmed_ack(purchase))


@requires(Role.SUPERVISOR)
async def on_reject_button(update: Update, context: BotContext, person: Person) -> int:
    query = update.callback_query
    data = callbacks.decode(query.data if query is not None else None)
    purchase_id = data.int_arg(0) if data is not None else None
    if purchase_id is None:
        await answer(update, common_texts.STALE_BUTTON)
        return END
    purchase = await service.check_decidable(context.services, person, purchase_id)
    _reject_prompt(context, purchase_id)
    await answer(update)
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, t.ASK_REJECT_REASON.format(number=purchase.number))
    return REASON


def _reject_prompt(context: BotContext, purchase_id: int) -> None:
    if context.user_data is not None:
        context.user_data.purchase_reject = prompts.ask(context.services.now(), id=purchase_id)


def _fresh_reject_id(pending: object, now: datetime) -> int | None:
    """The purchase a reason is still awaited for: a prompt forgotten for an hour no longer
    turns the next thing the supervisor types ("好的") into a rejection."""
    if not isinstance(pending, dict) or not isinstance(pending.get("id"), int):
        return None
    return int(pending["id"]) if prompts.is_fresh(pending, now, REJECT_TTL) else None


def awaiting_reason(app: Application[Any, Any, Any, Any, Any, Any]) -> prompts.Owes:
    """True while the sender owes a fresh reason; a stale prompt lets the text through to
    whatever it would mean without it."""
    return prompts.Owes(
        app,
        "purchase_reject_reason",
        lambda state: state.purchase_reject,
        REJECT_TTL,
        lambda prompt: isinstance(prompt.get("id"), int),
    )


@requires(Role.SUPERVISOR)
async def on_reject_reason(update: Update, context: BotContext, person: Person) -> int:
    pending = context.user_data.purchase_reject if context.user_data else None
    if context.user_data is not None:
        context.user_data.purchase_reject = None
    purchase_id = _fresh_reject_id(pending, context.services.now())
    message = update.effective_message
    if purchase_id is None or message is None:
        return END
    if message.reply_to_message is not None and await notifications.is_notification(
        context.services, message.chat_id, message.reply_to_message.message_id
    ):  # answered a notification instead: that reply decides, the reason prompt is dropped
        await replies.on_reply(update, context)
        return END
    reason = re.sub(r"^驳回[\s:：,，]*", "", (message.text or "").strip())
    try:
        purchase = await service.reject(context.services, person, purchase_id, reason)
    except DomainError as err:
        await say_error(update, err)
        if isinstance(err, ReasonRequired):  # ask again
            _reject_prompt(context, purchase_id)
            return REASON
        return END
    await say(update, t.rejected_ack(purchase))
    return END


async def on_reject_abort(update: Update, context: BotContext) -> int:
    if context.user_data is not None:
        context.user_data.purchase_reject = None
    await say(update, t.REJECT_ABORTED)
    return END


async def on_reply(
    update: Update, context: BotContext, person: Person, purchase_id: int, text: str
) -> None:
    """A reply to the supervisor's notification, keywords anywhere: 「确认，清点无误」, or
    「驳回 理由」; anything else gets the question with both buttons."""
    # Full-width digits and letters only: the reason keeps the punctuation as typed.
    decision, reason = router.read_purchase_reply(normalise_caption(text))
    try:
        if decision == "confirm":
            purchase = await service.confirm(context.services, person, purchase_id)
            await say(update, t.confirmed_ack(purchase))
        elif decision == "reject":
            purchase = await service.reject(context.services, person, purchase_id, reason)
            await say(update, t.rejected_ack(purchase))
        else:  # already decided? say who; otherwise ask with both buttons
            purchase = await service.check_decidable(context.services, person, purchase_id)
            await say(update, t.unclear_reply(purchase), t.check_buttons(purchase.id))
    except DomainError as err:
        await say_error(update, err)
