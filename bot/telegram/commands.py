"""Each person's private command menu, by their roles (``BotCommandScopeChat``): a teacher
sees only what a teacher can do. Set when someone registers, when their roles change and
at start-up; the default menu stays for people the bot has not set one for yet."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.domain.people import Person
from bot.texts import common as t

log = logging.getLogger(__name__)


async def show_commands(bot: Bot, person: Person) -> None:
    """Best effort: a menu that could not be set only shows more commands than needed."""
    if person.chat_id is None:
        return
    commands = [BotCommand(name, text) for name, text in t.commands_for(person.roles)]
    try:
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(person.chat_id))
    except TelegramError as exc:
        log.warning("could not set the command menu of %s: %s", person.user_id, exc)
