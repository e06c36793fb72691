"""Scheduled patrol work: one daily job per round (``patrol:<slot>``) at the time stored in
the database, and a watch job that sends reminders, marks missed rounds and catches up on
any round a busy or restarted scheduler did not fire.

APScheduler's default ``misfire_grace_time`` is one second: a round that fires late because
the event loop was busy would be dropped with a log line. The round jobs get the whole patrol
grace period instead, and ``coalesce`` so a backlog of runs collapses into one; sending is
idempotent anyway (one (day, slot) row), so a second run never sends a second checklist.
"""

from __future__ import annotations

import logging
from datetime import time
from typing import Any

from telegram.ext import CallbackContext

from bot.context import services_of
from bot.domain.patrols import Overdue, Slot
from bot.services import patrols
from bot.services.container import Services
from jobs import AnyApp, drop_jobs, job_queue, run_watch

log = logging.getLogger(__name__)

WATCH_NAME = "patrol:watch"
WATCH_SECONDS = 60


def job_name(slot: Slot) -> str:
    return f"patrol:{slot.value}"


async def run_due(svc: Services) -> list[int]:
    """Send rounds due now; then reminders and missed rounds (whose checklists then say
    so). A plain function of the services and their clock, so tests can drive it with a
    FrozenClock."""
    now = svc.now()
    sent = await patrols.send_due_rounds(svc, now)
    overdue = await patrols.check_overdue(svc, now)
    for round_id, action in overdue.items():
        if action is Overdue.MISS:
            await patrols.refresh_checklists(svc, await patrols.view(svc, round_id))
    return sent


async def _round_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    await run_due(services_of(context.application))


async def _watch_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    await run_due(services_of(context.application))


async def schedule_rounds(app: AnyApp, times: dict[Slot, time]) -> None:
    """(Re)create the daily round jobs; called at start and when an admin changes times."""
    jq = job_queue(app)
    svc = services_of(app)
    tz = svc.settings.timezone
    grace_seconds = svc.settings.patrol_grace_minutes * 60
    for slot, at in times.items():
        name = job_name(slot)
        drop_jobs(jq, name)
        jq.run_daily(
            _round_job,
            time=at.replace(tzinfo=tz),
            name=name,
            data={"slot": slot.value},
            job_kwargs={"misfire_grace_time": grace_seconds, "coalesce": True},
        )


async def start(app: AnyApp) -> None:
    """Called from post_init: restore the schedules from the database and catch up on a
    round whose time passed while the bot was down (only while still within its grace)."""
    svc = services_of(app)
    await schedule_rounds(app, await patrols.times(svc))
    run_watch(app, WATCH_NAME, _watch_job, WATCH_SECONDS)
    sent = await run_due(svc)
    if sent:
        log.info("patrol catch-up at start: sent rounds %s", sent)
