"""Scheduled work for purchases: the daily public posting (公示) and the supplier
certificate check. The logic is in ``bot.services.purchases`` as plain functions of
``(services, now)``; these callbacks only schedule and call them."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any

from telegram.ext import Application

from bot.context import BotContext, services_of
from bot.services import purchases as service
from jobs import drop_jobs, job_queue

log = logging.getLogger(__name__)

POST_JOB = "purchases:post"
POST_CATCH_UP_JOB = "purchases:post:catch-up"
SUPPLIER_JOB = "purchases:suppliers"
SUPPLIER_CHECK_TIME = time(8, 0)  # admins read it at the start of the working day
# A posting that was due while the bot was down still goes out within six hours;
# several missed runs collapse into one (the posting itself is once per day anyway).
JOB_KWARGS = {"misfire_grace_time": 6 * 3600, "coalesce": True}


async def post_daily(context: BotContext) -> None:
    services = context.services
    posting = await service.post_daily(services, services.now())
    if posting is not None:
        log.info("posted %d purchases for %s", len(posting.purchases), posting.day)


async def check_suppliers(context: BotContext) -> None:
    services = context.services
    flagged = await service.flag_expiring_suppliers(services, services.now())
    if flagged:
        log.info("flagged %d suppliers with expiring certificates", len(flagged))


def due_today(now_local: datetime, post_time: time) -> bool:
    """Has today's posting time already passed (the bot started late)?"""
    return now_local.time().replace(tzinfo=None) >= post_time.replace(tzinfo=None)


async def start(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Called from post_init: (re)create this feature's jobs. Idempotent (named jobs)."""
    queue = job_queue(app)
    services = services_of(app)
    settings = services.settings
    tz = settings.timezone
    for name in (POST_JOB, POST_CATCH_UP_JOB, SUPPLIER_JOB):
        drop_jobs(queue, name)
    # Always scheduled: an admin may choose the public group later with /setpublic
    # (post_daily does nothing while there is none).
    queue.run_daily(
        post_daily, time=settings.public_post_time.replace(tzinfo=tz), name=POST_JOB,
        job_kwargs=JOB_KWARGS,
    )  # fmt: skip
    if due_today(services.local_now(), settings.public_post_time):
        # Started after today's posting time: post now if it has not happened yet.
        queue.run_once(post_daily, when=timedelta(seconds=2), name=POST_CATCH_UP_JOB)
    queue.run_daily(
        check_suppliers, time=SUPPLIER_CHECK_TIME.replace(tzinfo=tz), name=SUPPLIER_JOB,
        job_kwargs=JOB_KWARGS,
    )  # fmt: skip
