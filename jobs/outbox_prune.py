"""Prunes the outbox once a day: notifications delivered more than 90 days ago go, so the
table (and every query on it) stays the size of recent work, not of five years."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram.ext import Application

from bot.context import BotContext
from jobs import drop_jobs, job_queue
from storage import outbox

JOB_NAME = "outbox:prune"
KEEP = timedelta(days=90)


async def prune(context: BotContext) -> None:
    svc = context.services
    await outbox.prune_sent(svc.db, svc.now() - KEEP)


async def start(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    queue = job_queue(app)
    drop_jobs(queue, JOB_NAME)
    # Not at the very start: the first minutes belong to replay and catching up.
    queue.run_repeating(prune, interval=timedelta(days=1), first=300, name=JOB_NAME)
