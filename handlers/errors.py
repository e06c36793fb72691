"""The one error handler: log first, tell the user plainly, tell the admins briefly."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError

from bot.context import BotContext
from bot.domain.roles import Role
from bot.logs import redact
from bot.texts import common as t
from storage import people

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    if isinstance(error, BadRequest) and "message is not modified" in str(error).lower():
        return  # a double tap that would change nothing: harmless by definition
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
        for admin in await people.with_role(svc.db, Role.ADMIN):
            if admin.chat_id is not None:
                await context.bot.send_message(
                    admin.chat_id, t.admin_alert(summary), parse_mode=None
                )
    except Exception:
        log.warning("could not alert admins", exc_info=True)
