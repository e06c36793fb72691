"""Scheduled food-safety work, the patrol way: a daily job per record time
(``foodsafety:health``, ``foodsafety:sample:lunch``…) and a watch job that sends reminders
and escalations, the 48-hour discard notices and 健康证 reminders, and catches up on any
record a busy or restarted scheduler did not fire. Sending is idempotent (one row per
(kind, day, meal)), so a second run never sends a second form.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest
from telegram.ext import CallbackContext, ExtBot

from bot.context import services_of
from bot.domain import foodsafety as rules
from bot.domain.menus import MEALS
from bot.domain.messages import Buttons
from bot.domain.patrols import Overdue
from bot.services import foodsafety
from bot.services.container import Services
from jobs import AnyApp, drop_jobs, job_queue, run_watch

log = logging.getLogger(__name__)

WATCH_NAME = "foodsafety:watch"
WATCH_SECONDS = 60


def daily_times(times: rules.Times) -> dict[str, time]:
    """Job name → time of day: one job per record time of the day's schedule."""
    base = datetime(2000, 1, 3)
    result = {"foodsafety:health": times.health}
    for meal in MEALS:
        at = times.meal(meal)
        result[f"foodsafety:sample:{meal.value}"] = at
        result[f"foodsafety:disinfect:{meal.value}"] = (
            datetime.combine(base, at) + rules.AFTER_MEAL
        ).time()
    return result


def _markup(rows: Buttons) -> InlineKeyboardMarkup | None:
    """Buttons rows as Telegram markup, here rather than from handlers/: jobs never import
    handlers (issue 9)."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


async def show_record(
    bot: ExtBot[Any],
    svc: Services,
    rv: foodsafety.RecordView,
    *,
    also: Sequence[tuple[int, int]] = (),
) -> None:
    """Edit every message showing this record to its current state (one message per
    checklist, edited in place)."""
    msg = rv.message(svc)
    keyboard = _markup(msg.buttons)
    targets = await foodsafety.record_messages(svc, rv.record.id)
    targets += [m for m in also if m not in targets]
    for chat_id, message_id in targets:
        try:
            await bot.edit_message_text(
                msg.text, chat_id=chat_id, message_id=message_id, reply_markup=keyboard
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                log.warning("could not edit record %s/%s: %s", chat_id, message_id, exc)


async def run_due(svc: Services, bot: ExtBot[Any] | None = None) -> list[int]:
    """Everything due now, in one pass; a plain function of the services and their clock
    so tests drive it with a FrozenClock."""
    now = svc.now()
    sent = await foodsafety.send_due(svc, now)
    overdue = await foodsafety.check_overdue(svc, now)
    await foodsafety.send_discard_notices(svc, now)
    await foodsafety.flag_certificates(svc, now)
    if bot is not None:
        for record_id, action in overdue.items():
            if action is Overdue.MISS:
                await show_record(bot, svc, await foodsafety.view(svc, record_id))
    return sent


async def _job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    await run_due(services_of(context.application), context.bot)


async def schedule(app: AnyApp, times: rules.Times) -> None:
    """(Re)create the named daily jobs; at start and when an admin changes the times."""
    jq = job_queue(app)
    tz = services_of(app).settings.timezone
    grace = int(rules.GRACE.total_seconds())
    for name, at in daily_times(times).items():
        drop_jobs(jq, name)
        jq.run_daily(
            _job,
            time=at.replace(tzinfo=tz),
            name=name,
            job_kwargs={"misfire_grace_time": grace, "coalesce": True},
        )


async def start(app: AnyApp) -> None:
    """Called from post_init: restore the schedule from the database and catch up once on
    anything due while the bot was down (only while still within its grace period)."""
    svc = services_of(app)
    await schedule(app, await foodsafety.times(svc))
    run_watch(app, WATCH_NAME, _job, WATCH_SECONDS)
    sent = await run_due(svc, app.bot)
    if sent:
        log.info("food-safety catch-up at start: sent records %s", sent)
