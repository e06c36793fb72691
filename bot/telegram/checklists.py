"""Re-drawing a patrol round's checklist wherever it is shown: after a tap (handlers) and
when a round is marked missed (jobs)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.services import patrols
from bot.services.container import Services
from bot.telegram.keyboards import markup

log = logging.getLogger(__name__)


async def show_checklist(
    bot: ExtBot[Any],
    svc: Services,
    rv: patrols.RoundView,
    *,
    also: Sequence[tuple[int, int]] = (),
) -> None:
    """Edit every message showing this round's checklist (and ``also``) to its current
    state, so nobody on duty works from a stale copy."""
    msg = rv.message(svc)
    keyboard = markup(msg.buttons)
    targets = await patrols.checklist_messages(svc, rv.round.id)
    targets += [m for m in also if m not in targets]
    for chat_id, message_id in targets:
        try:
            await bot.edit_message_text(
                msg.text, chat_id=chat_id, message_id=message_id, reply_markup=keyboard
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                log.warning("could not edit checklist %s/%s: %s", chat_id, message_id, exc)
