"""Prunes the inbox: handled updates are kept a week (to look into a complaint), then go."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram.ext import Application

from bot.context import BotContext
from jobs import drop_jobs, job_queue
from storage import inbox

JOB_NAME = "inbox:prune"
KEEP = timedelta(days=7)


async def _prune(context: BotContext) -> None:
    svc = context.services
    await inbox.prune(svc.db, svc.now() - KEEP)


async def start(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    queue = job_queue(app)
    drop_jobs(queue, JOB_NAME)
    queue.run_repeating(_prune, interval=3600, first=60, name=JOB_NAME)
