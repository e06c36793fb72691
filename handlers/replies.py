"""Replies to notifications: a supervisor answers "受理" or "确认" by replying to the
message the bot sent. The outbox remembers which message was about what (``repair:12``),
and each feature registers what a reply to its notifications means.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.context import BotContext
from bot.domain.people import Person
from bot.protocol import RefKind
from bot.services import notifications
from bot.texts import replies as t
from handlers.common import current_person, say

# (update, context, person, subject id, reply text)
ReplyHandler = Callable[[Update, BotContext, Person, int, str], Awaitable[None]]
_ROUTES: dict[RefKind, ReplyHandler] = {}


def route(kind: RefKind, handler: ReplyHandler) -> None:
    """Features call this from their ``register``: replies to a notification about
    ``Ref(kind, id)`` go to handler."""
    _ROUTES[kind] = handler


async def on_reply(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or message.reply_to_message is None or not message.text:
        return
    person = await current_person(update, context)
    if person is None:
        return
    ref = await notifications.ref_of(
        context.services, message.chat_id, message.reply_to_message.message_id
    )
    handler = _ROUTES.get(ref.kind) if ref is not None else None
    if ref is None or handler is None:
        await say(update, t.NOT_A_NOTIFICATION)
        return
    await handler(update, context, person, ref.id, message.text.strip())


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.REPLY & filters.TEXT & ~filters.COMMAND, on_reply
        )
    )
