"""What every handler shares: who is asking, role checks, friendly domain errors."""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot import router
from bot.context import BotContext
from bot.domain.errors import DomainError
from bot.domain.messages import Buttons, split_text
from bot.domain.people import Person
from bot.domain.roles import Role
from bot.router import Kind
from bot.services import directory
from bot.telegram.keyboards import markup
from bot.texts import common as t

log = logging.getLogger(__name__)

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, Any]]
PersonHandler = Callable[[Update, BotContext, Person], Awaitable[Any]]


def message_kind(message: Message) -> Kind:
    """The router's word for what ``message`` carries."""
    if message.text is not None:
        return Kind.TEXT
    if message.photo or (
        message.document and (message.document.mime_type or "").startswith("image/")
    ):
        return Kind.PHOTO
    if message.voice or message.audio or message.video_note:
        return Kind.VOICE
    if message.sticker:
        return Kind.STICKER
    return Kind.DOCUMENT if message.document else Kind.OTHER


def esc(text: str | None) -> str:
    """Every user-supplied string goes through here before it reaches HTML parse mode."""
    return html.escape(text or "", quote=False)


async def current_person(update: Update, context: BotContext) -> Person | None:
    if context.person is not None:
        return context.person
    user = update.effective_user
    if user is None:
        return None
    context.person = await directory.find(context.services, user.id)
    return context.person


async def say(update: Update, text: str, buttons: Buttons | None = None) -> Message | None:
    """Answer in the chat the update came from: a reply to a message, or an alert to a tap.
    Returns the (last) message sent, None for an alert."""
    if update.callback_query is not None:
        await answer(update, text, alert=True)
        return None
    message = update.effective_message
    if message is None:
        return None
    *first, last = split_text(text)  # a long list (/users of a big school) in parts
    for part in first:
        await message.reply_text(part)
    return await message.reply_text(last, reply_markup=markup(buttons or []))


async def say_error(update: Update, err: DomainError) -> None:
    """A broken rule, told plainly. DomainError messages are plain text and may quote what
    the user typed, so they are escaped for HTML chat messages (alerts are plain already)."""
    if update.callback_query is not None:
        await answer(update, err.message, alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(esc(err.message))


async def answer(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a button press so the spinner stops; harmless if it was already answered."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text[:200] if text else None, show_alert=alert)
    except BadRequest as exc:  # "query is too old": the tap is days old; nothing to stop
        if (
            "query is too old" not in str(exc).lower()
            and "query id is invalid" not in str(exc).lower()
        ):
            raise


def requires(*roles: Role) -> Callable[[PersonHandler], Handler]:
    """Let the handler run only for a registered person holding one of ``roles`` (admins
    pass every check). ``DomainError`` from the handler becomes a short answer."""

    def decorate(func: PersonHandler) -> Handler:
        @functools.wraps(func)
        async def wrapper(update: Update, context: BotContext) -> Any:
            person = await current_person(update, context)
            if person is None:
                await say(update, t.NOT_REGISTERED)
                return None
            if roles and not person.has(*roles):
                await say(update, t.role_required(roles))
                return None
            try:
                return await func(update, context, person)
            except DomainError as err:
                await say_error(update, err)
                return None

        return wrapper

    return decorate


# ---- words typed instead of a command ------------------------------------------------
class _Says(filters.MessageFilter):
    """A text that says only 「取消」 (``cancel``) or asks for ``command`` in words."""

    def __init__(self, command: str) -> None:
        super().__init__(name=f"says_{command}")
        self._command = command

    def filter(self, message: Message) -> bool:
        text = message.text or ""
        if self._command == "cancel":
            return router.is_cancel(text)
        return router.command_in_words(text) == self._command


SAYS_CANCEL = _Says("cancel")


def says(command: str) -> filters.MessageFilter:
    return _Says(command)


def cancel_handlers(
    callback: Handler, only: filters.BaseFilter = filters.ChatType.PRIVATE
) -> list[BaseHandler[Update, BotContext, Any]]:
    """/cancel, and 「取消」 / 「算了」 typed instead: people type the word, not the command.
    A flow that reads text must leave these to its cancel (``~SAYS_CANCEL``)."""
    return [
        CommandHandler("cancel", callback, filters=only),
        MessageHandler(only & filters.TEXT & ~filters.COMMAND & SAYS_CANCEL, callback),
    ]
