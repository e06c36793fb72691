"""The one error handler: log first, tell the user plainly, tell the admins briefly."""

from __future__ import annotations

import contextlib
import logging
import sqlite3

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError

from bot.context import BotContext
from bot.domain import faults
from bot.domain.roles import Role
from bot.logs import redact
from bot.services import directory
from bot.texts import common as t
from bot.texts import durability as dt

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    if isinstance(error, BadRequest) and "message is not modified" in str(error).lower():
        return  # a double tap that would change nothing: harmless by definition
    if (fault := faults.kind_of(error)) is not None:
        await _storage_fault(update, context, fault)
        return
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest | Forbidden):
        # Telegram unreachable: PTB retries polling by itself; work goes through the outbox.
        # bot/network.py logs the outage once; a line per retry would flood the log.
        log.debug("network error: %s", error)
        return
    log.error("error while handling an update", exc_info=error)
    if isinstance(update, Update):
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(t.INTERNAL_ERROR[:200], show_alert=True)
            elif update.effective_message is not None:
                await update.effective_message.reply_text(t.INTERNAL_ERROR)
        except Exception:  # the user may be unreachable; the log above has the cause
            log.warning("could not tell the user about the error", exc_info=True)
    try:
        svc = context.services
        summary = redact(f"{type(error).__name__}: {str(error)[:200]}", svc.settings.token)
        for admin in await directory.with_role(svc, Role.ADMIN):
            if admin.chat_id is not None:
                await context.bot.send_message(
                    admin.chat_id, t.admin_alert(summary), parse_mode=None
                )
    except Exception:
        log.warning("could not alert admins", exc_info=True)


async def _storage_fault(update: object, context: BotContext, kind: str) -> None:
    """Disk full, read-only data directory, damaged database: one clear line for the
    operator and one message for the admins per kind per hour; the user is told to try
    again later (nothing was saved, and nothing saved before is touched)."""
    svc = context.services
    now = svc.now()
    if svc.fault_alarm.due(f"log:{kind}", now):
        log.error("cannot save (%s): %s; %s", kind, context.error, faults.ADVICE[kind])
    if isinstance(update, Update):
        with contextlib.suppress(TelegramError):
            if update.callback_query is not None:
                await update.callback_query.answer(dt.CANNOT_SAVE, show_alert=True)
            elif update.effective_message is not None:
                await update.effective_message.reply_text(dt.CANNOT_SAVE)
    if not svc.fault_alarm.due(f"admins:{kind}", now):
        return
    try:  # the database may be what is broken: the admins from the settings still hear it
        admins = await directory.with_role(svc, Role.ADMIN)
        chats = {a.chat_id for a in admins if a.chat_id}
    except (sqlite3.Error, OSError):
        chats = set(svc.settings.admin_ids)
    for chat_id in chats:
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(chat_id, dt.admin_fault(kind))
