"""Scheduled work for repairs: overdue reminders and automatic verification.

The logic is ``bot.services.repairs.run_escalation(services, now)``; this module only
runs it every few minutes. Reminders are recorded in the database, so a restart, a
missed run or two runs close together never send the same reminder twice.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import Application

from bot.context import BotContext
from bot.services import repairs as service
from bot.services.container import Services
from jobs import drop_jobs, job_queue

log = logging.getLogger(__name__)

JOB_NAME = "repairs:escalation"
INTERVAL_SECONDS = 300


async def run(svc: Services) -> service.EscalationResult:
    """One pass at the services' clock (tests call this with a FrozenClock)."""
    result = await service.run_escalation(svc, svc.now())
    if result.reminded or result.auto_verified:
        log.info("repairs: reminded %s, auto-verified %s", result.reminded, result.auto_verified)
    return result


async def escalate(context: BotContext) -> None:
    await run(context.services)


async def start(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Called from post_init: one repeating job, replaced if it already exists."""
    queue = job_queue(app)
    drop_jobs(queue, JOB_NAME)
    queue.run_repeating(
        escalate,
        interval=INTERVAL_SECONDS,
        first=30,
        name=JOB_NAME,
        # A missed run (the bot was busy or asleep) is simply done at the next chance,
        # once: the job looks at the clock, not at how many runs it missed.
        job_kwargs={"misfire_grace_time": INTERVAL_SECONDS, "coalesce": True},
    )
