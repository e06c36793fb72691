"""The patrol checklist a patroller just tapped, edited in place at once (the other copies
are refreshed through the outbox: ``bot.services.patrols.refresh_checklists``)."""

from __future__ import annotations

import logging
from typing import Any

from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.services import patrols
from bot.services.container import Services
from bot.telegram.keyboards import markup

log = logging.getLogger(__name__)


async def edit_checklist(
    bot: ExtBot[Any], svc: Services, rv: patrols.RoundView, chat_id: int, message_id: int
) -> None:
    """Show ``rv``'s state in the message ``message_id`` (the tapper's own copy)."""
    msg = rv.message(svc)
    async with patrols.editing_directly(svc, chat_id, message_id):
        try:
            await bot.edit_message_text(
                msg.text, chat_id=chat_id, message_id=message_id, reply_markup=markup(msg.buttons)
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                log.warning("could not edit checklist %s/%s: %s", chat_id, message_id, exc)
