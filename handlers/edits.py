"""Edited messages. An edit is not a new message: re-reading it as one would add a purchase
line twice or confirm twice. The one edit that means something is a correction of a
report's caption soon after sending it (a typo, a forgotten room number): the report is
updated. Every other edit in a private chat gets a hint of how to correct instead."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot.context import BotContext
from bot.domain.errors import DomainError
from bot.domain.roles import Role
from bot.protocol import RefKind
from bot.services import notifications
from bot.services import repairs as repair_service
from bot.texts import common as t
from bot.texts import repairs as rt
from handlers.common import current_person, say, say_error
from handlers.gate import GATE_GROUP

EDITS_GROUP = GATE_GROUP + 1  # right after the gate, before anything that reads messages


async def on_edit(update: Update, context: BotContext) -> None:
    edited = update.edited_message
    if edited is None:
        return
    person = await current_person(update, context)
    if person is None or edited.chat.type != ChatType.PRIVATE:
        raise ApplicationHandlerStop  # groups: quiet; the gate answered strangers already
    ref = await notifications.ref_of(context.services, edited.chat_id, edited.message_id)
    if ref is not None and ref.kind is RefKind.REPAIR:
        try:
            _, changed = await repair_service.revise_caption(
                context.services, ref.id, by=person, caption=edited.caption or edited.text or ""
            )
        except DomainError as err:
            await say_error(update, err)
        else:
            if not changed:
                await say(update, rt.REVISE_UNCHANGED)
            # else the updated 「已提交」 card is on its way through the outbox
        raise ApplicationHandlerStop
    await say(update, t.edit_ignored(Role.PURCHASER in person.roles))
    raise ApplicationHandlerStop


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(TypeHandler(Update, on_edit, block=True), group=EDITS_GROUP)
