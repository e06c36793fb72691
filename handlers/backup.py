"""``/backup`` (admins): the latest database backup as a document."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.context import BotContext
from bot.domain.people import Person
from bot.domain.roles import Role
from bot.services import backups as service
from bot.texts import durability as t
from handlers.common import requires, say

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024  # what a bot may send


@requires(Role.ADMIN)
async def on_backup(update: Update, context: BotContext, person: Person) -> None:
    message = update.effective_message
    assert message is not None
    # Disk full or read-only while making one: the error handler says so, once an hour.
    made = await service.latest_or_new(context.services, person)
    size = (await asyncio.to_thread(made.path.stat)).st_size
    if size > MAX_DOCUMENT_BYTES:
        await say(update, t.BACKUP_TOO_BIG)
        return
    data = await asyncio.to_thread(made.path.read_bytes)
    await context.bot.send_document(
        message.chat_id,
        data,
        filename=made.path.name,
        caption=t.backup_caption(made.path.name, made.made),
    )


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("backup", on_backup, filters=filters.ChatType.PRIVATE))
