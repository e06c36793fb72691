"""The weekly digest: every Monday at BOT_DIGEST_TIME, last week to supervisors and admins.

Claimed once per week in the database (``report_digests``), so a restart, a coalesced late
run or the catch-up at start never sends it twice. A digest missed while the bot was down
is sent at start until Wednesday; after that the week's own digest is near.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telegram.ext import CallbackContext

from bot.context import services_of
from bot.services import reports
from bot.services.container import Services
from jobs import AnyApp, drop_jobs, job_queue

log = logging.getLogger(__name__)

DIGEST = "report:digest"
PTB_MONDAY = 1  # PTB's run_daily counts days from Sunday = 0
CATCH_UP_DAYS = 2  # Monday (after the time), Tuesday and Wednesday
MISFIRE_SECONDS = 6 * 3600


async def catch_up(svc: Services, now: datetime) -> int:
    local = now.astimezone(svc.settings.timezone)
    weekday = local.weekday()  # Monday = 0
    if weekday == 0 and local.time() < svc.settings.digest_time:
        return 0
    if weekday > CATCH_UP_DAYS:
        return 0
    return await reports.send_weekly_digest(svc, now)


async def _digest_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    svc = services_of(context.application)
    await reports.send_weekly_digest(svc, svc.now())


async def start(app: AnyApp) -> None:
    """Called from post_init: (re)create the job and catch up."""
    jq = job_queue(app)
    svc = services_of(app)
    drop_jobs(jq, DIGEST)
    jq.run_daily(
        _digest_job,
        time=svc.settings.digest_time.replace(tzinfo=svc.settings.timezone),
        days=(PTB_MONDAY,),
        name=DIGEST,
        job_kwargs={"misfire_grace_time": MISFIRE_SECONDS, "coalesce": True},
    )
    if sent := await catch_up(svc, svc.now()):
        log.info("weekly digest caught up at start: %d chats", sent)
