"""/start (with or without an invite code), /help, and the answers of last resort."""

from __future__ import annotations

import html
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.domain.people import Person
from bot.texts import common as t
from bot.texts import repairs as repair_texts
from handlers import onboarding
from handlers.common import answer, cancel_handlers, current_person, requires
from handlers.everyday import on_everyday
from handlers.repairs.report import drop_offer


async def on_start(update: Update, context: BotContext) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    if context.args:
        # A school link waits for approval; a personal invite registers at once.
        await onboarding.join_with_code(update, context, context.args[0])
        return
    await _show_help(update, context)


@requires()
async def on_help(update: Update, context: BotContext, person: Person) -> None:
    await _show_help(update, context)


async def _show_help(update: Update, context: BotContext) -> None:
    person = await current_person(update, context)
    message = update.effective_message
    if message is None:
        return
    if person is None:
        await message.reply_text(t.NOT_REGISTERED)
        return
    await message.reply_text(
        t.help_for(html.escape(person.name, quote=False), person.roles),
        reply_markup=onboarding.main_keyboard(person),
    )


async def on_unknown_command(update: Update, context: BotContext) -> None:
    if update.effective_message:
        await update.effective_message.reply_text(t.UNKNOWN_COMMAND)


async def on_stale_button(update: Update, context: BotContext) -> None:
    """A button nobody handles any more (an old message, a forged payload)."""
    await answer(update, t.STALE_BUTTON, alert=True)


async def on_export_usage(update: Update, context: BotContext) -> None:
    """/export with no known table: the features handle the real ones before this."""
    if update.effective_message:
        await update.effective_message.reply_text(t.EXPORT_USAGE)


async def on_cancel_idle(update: Update, context: BotContext) -> None:
    """Nothing else took the /cancel: an offered report may still wait for its tap."""
    if update.effective_message:
        offered = drop_offer(context)
        await update.effective_message.reply_text(
            repair_texts.OFFER_CANCELLED if offered else t.NOTHING_TO_CANCEL
        )


async def on_group_command(update: Update, context: BotContext) -> None:
    """A command in a group that only works in a private chat (the menu is the exception).
    Commands addressed to another bot are not ours to answer."""
    message = update.effective_message
    if message is None or not message.text:
        return
    _, _, addressee = message.text.split(maxsplit=1)[0].partition("@")
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return
    await message.reply_text(t.private_only(context.bot.username))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", on_start, filters=private))
    app.add_handler(CommandHandler("help", on_help, filters=private))


def register_fallbacks(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Registered last in group 0: they answer only what no feature handled."""
    private = filters.ChatType.PRIVATE
    for handler in cancel_handlers(on_cancel_idle):
        app.add_handler(handler)
    app.add_handler(CommandHandler("export", on_export_usage, filters=private))
    app.add_handler(MessageHandler(private & filters.COMMAND, on_unknown_command))
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, on_group_command))
    app.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL, on_everyday))
    app.add_handler(CallbackQueryHandler(on_stale_button))
