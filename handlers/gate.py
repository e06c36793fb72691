"""The access gate: runs before every other handler. Registered people pass (their record
is left on the context); strangers get one polite refusal and nothing else, and a stranger
who floods the bot gets no answer at all after a few messages.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot.context import BotContext
from bot.domain.invite_codes import find_code
from bot.services import directory
from bot.services import onboarding as onboarding_service
from bot.services import people as people_service
from bot.texts import common as t
from bot.texts import onboarding as ot
from handlers.common import answer

GATE_GROUP = -100
_START_WITH_CODE = re.compile(r"^/start(@\w+)?\s+\S+")


def _display_name(update: Update) -> str:
    user = update.effective_user
    return user.full_name if user else ""


async def gate(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None or user.is_bot:
        raise ApplicationHandlerStop  # channel posts, service updates: nothing for us
    if update.callback_query is not None and not update.callback_query.data:
        # No data (Telegram never sends it for our buttons): PTB would let every button
        # handler match it, so it is answered here as the stale button it is.
        await answer(update, t.STALE_BUTTON, alert=True)
        raise ApplicationHandlerStop
    svc = context.services
    chat = update.effective_chat
    # A private chat with the bot has the user's id; anything else never becomes their address.
    private_chat_id = (
        chat.id if chat and chat.type == ChatType.PRIVATE and chat.id == user.id else None
    )

    person = await directory.find(svc, user.id)
    if person is None and user.id in svc.settings.admin_ids and private_chat_id is not None:
        person = await people_service.bootstrap_admin(
            svc,
            user_id=user.id,
            name=user.full_name,
            username=user.username,
            chat_id=private_chat_id,
        )
    if person is not None:
        if person.name != user.full_name or (private_chat_id and person.chat_id != private_chat_id):
            await directory.update_contact(
                svc, user.id, user.full_name, user.username, private_chat_id
            )
        context.person = person
        return  # an edit goes on to handlers.edits, and no further

    if update.edited_message is not None:
        raise ApplicationHandlerStop  # the original message was answered already
    # A stranger. Only an invite link (/start <code>, or the link or code pasted as text)
    # in a private chat goes further.
    message = update.effective_message
    if (
        private_chat_id is not None
        and message is not None
        and message.text
        and (_START_WITH_CODE.match(message.text) or find_code(message.text, svc.bot_username))
    ):
        if svc.stranger_throttle.allow(user.id, svc.now().timestamp()):
            return
        raise ApplicationHandlerStop  # guessing codes in a flood: no answers either
    if chat is not None and chat.type != ChatType.PRIVATE and update.callback_query is None:
        raise ApplicationHandlerStop  # group chatter is not addressed to us
    if svc.stranger_throttle.allow(user.id, svc.now().timestamp()):
        if update.callback_query is not None:
            await answer(update, t.NOT_REGISTERED, alert=True)
        elif message is not None:
            # The first time, their id too, so an admin can add them (/grant needs it).
            first = await onboarding_service.first_contact(svc, user.id)
            await message.reply_text(ot.stranger_id(user.id) if first else t.NOT_REGISTERED)
    elif update.callback_query is not None:
        await answer(update)  # stop the spinner, say nothing more
    raise ApplicationHandlerStop


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(TypeHandler(Update, gate), group=GATE_GROUP)
