"""Replies to notifications: a supervisor answers "受理" or "确认" by replying to the
message the bot sent. The outbox remembers which message was about what (``Ref``); the
router (``bot/router.py``) says what the reply means, and each feature registers the
handler for its intents.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot import router
from bot.context import BotContext
from bot.domain.people import Person
from bot.services import notifications
from bot.telegram import about
from bot.texts import replies as t
from handlers.common import current_person, say

# (update, context, person, subject id, reply text)
ReplyHandler = Callable[[Update, BotContext, Person, int, str], Awaitable[None]]
ReplyIntent = (
    router.ReplyToRepair
    | router.DecidePurchase
    | router.NoteOnPatrolCheck
    | router.NoteOnFoodRecord
    | router.TextOnSampleDish
    | router.PartsUsed
)
_ROUTES: dict[type[ReplyIntent], ReplyHandler] = {}


def route(intent: type[ReplyIntent], handler: ReplyHandler) -> None:
    """Features call this from their ``register``: replies the router reads as ``intent``
    go to handler."""
    _ROUTES[intent] = handler


def _subject(intent: ReplyIntent) -> int:
    if isinstance(intent, router.ReplyToRepair):
        return intent.repair_id
    if isinstance(intent, router.DecidePurchase):
        return intent.purchase_id
    if isinstance(intent, router.NoteOnPatrolCheck):
        return intent.check_id
    if isinstance(intent, router.NoteOnFoodRecord):
        return intent.record_id
    if isinstance(intent, router.TextOnSampleDish):
        return intent.entry_id
    return intent.repair_id


async def on_reply(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or message.reply_to_message is None or not message.text:
        return
    person = await current_person(update, context)
    if person is None:
        return
    replied = message.reply_to_message.message_id
    # A notification's Ref, or the one remembered for the bot's own answer (「已提交」).
    ref = await notifications.ref_of(context.services, message.chat_id, replied)
    ref = ref or about.recall(context.chat_data, replied)
    intent = router.route(
        router.Incoming(
            router.Kind.TEXT, message.text, person.roles, replied_to=ref, replies_to_a_message=True
        )
    )
    handler = _ROUTES.get(type(intent)) if isinstance(intent, ReplyIntent) else None
    if handler is None or not isinstance(intent, ReplyIntent):
        await say(update, t.NOT_A_NOTIFICATION)
        return
    await handler(update, context, person, _subject(intent), intent.text)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.REPLY & filters.TEXT & ~filters.COMMAND, on_reply
        )
    )
