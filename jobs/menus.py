"""Scheduled menu pushes: next week's menu every Sunday at BOT_MENU_PUSH_TIME to everyone
(and the public chat), today's menu at 06:30 to the canteen, and a Friday-noon reminder
when next week has no menu yet. Each push is claimed in the database once, so a restart
or a coalesced late run never sends it twice; a push missed while the bot was down is
made at start if its day is still current."""

from __future__ import annotations

import logging
from datetime import datetime, time
from typing import Any

from telegram.ext import CallbackContext

from bot.context import services_of
from bot.services import menus
from bot.services.container import Services
from jobs import AnyApp, drop_jobs, job_queue

log = logging.getLogger(__name__)


TODAY_TIME = time(6, 30)
REMIND_TIME = time(12, 0)
# PTB's run_daily counts days from Sunday: 0 = Sunday ... 6 = Saturday.
PTB_SUNDAY = 0
PTB_FRIDAY = 5
# A push may run late (busy loop, slow start) but not into the next day's business.
MISFIRE_SECONDS = 3 * 3600

WEEKLY = "menu:weekly"
TODAY = "menu:today"
REMIND = "menu:remind"


async def weekly(svc: Services, now: datetime) -> int:
    return await menus.push_next_week(svc, now)


async def today(svc: Services, now: datetime) -> int:
    return await menus.push_today(svc, now)


async def remind(svc: Services, now: datetime) -> int:
    return await menus.remind_missing(svc, now)


async def catch_up(svc: Services, now: datetime) -> dict[str, int]:
    """At start: make the pushes whose time passed today (Sunday's weekly push, today's
    menu until 10:00, the reminder from Friday noon to Sunday's push)."""
    local = now.astimezone(svc.settings.timezone)
    wd = local.weekday()  # Monday = 0
    t = local.time()
    done: dict[str, int] = {}
    if wd == 6 and t >= svc.settings.menu_push_time:
        done["weekly"] = await weekly(svc, now)
    if TODAY_TIME <= t < time(10, 0):
        done["today"] = await today(svc, now)
    if (wd == 4 and t >= REMIND_TIME) or wd == 5 or (wd == 6 and t < svc.settings.menu_push_time):
        done["remind"] = await remind(svc, now)
    return done


async def _weekly_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    svc = services_of(context.application)
    await weekly(svc, svc.now())


async def _today_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    svc = services_of(context.application)
    await today(svc, svc.now())


async def _remind_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    svc = services_of(context.application)
    await remind(svc, svc.now())


async def start(app: AnyApp) -> None:
    """Called from post_init: (re)create this feature's jobs and catch up."""
    jq = job_queue(app)
    svc = services_of(app)
    tz = svc.settings.timezone
    kwargs = {"misfire_grace_time": MISFIRE_SECONDS, "coalesce": True}
    for name, callback, at, days in (
        (WEEKLY, _weekly_job, svc.settings.menu_push_time, (PTB_SUNDAY,)),
        (TODAY, _today_job, TODAY_TIME, tuple(range(7))),
        (REMIND, _remind_job, REMIND_TIME, (PTB_FRIDAY,)),
    ):
        drop_jobs(jq, name)
        jq.run_daily(callback, time=at.replace(tzinfo=tz), days=days, name=name, job_kwargs=kwargs)
    done = await catch_up(svc, svc.now())
    if any(done.values()):
        log.info("menu catch-up at start: %s", done)
