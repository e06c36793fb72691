"""Records that only serve for a while are pruned on a schedule, so the tables (and every
query on them) stay the size of recent work, not of five years:

- the inbox: handled updates are kept a week (to look into a complaint), then go;
- the outbox: notifications delivered more than 90 days ago go (``sent_messages`` keeps
  which message was about what, so replies to an old one still find their subject).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import Application

from bot.context import BotContext
from jobs import drop_jobs, job_queue
from storage import inbox, outbox
from storage.db import Database


@dataclass(frozen=True)
class Retention:
    job_name: str
    keep: timedelta
    prune: Callable[[Database, datetime], Awaitable[int]]  # deletes what is older; a count
    every: timedelta
    first: timedelta  # not at the very start: the first minutes belong to replay


INBOX = Retention("inbox:prune", timedelta(days=7), inbox.prune,
                  every=timedelta(hours=1), first=timedelta(minutes=1))  # fmt: skip
OUTBOX = Retention("outbox:prune", timedelta(days=90), outbox.prune_sent,
                   every=timedelta(days=1), first=timedelta(minutes=5))  # fmt: skip
RETENTIONS = (INBOX, OUTBOX)


async def _prune(context: BotContext) -> None:
    job = context.job
    assert job is not None and isinstance(job.data, Retention)
    svc = context.services
    await job.data.prune(svc.db, svc.now() - job.data.keep)


async def start(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    queue = job_queue(app)
    for retention in RETENTIONS:
        drop_jobs(queue, retention.job_name)
        queue.run_repeating(_prune, interval=retention.every, first=retention.first,
                            name=retention.job_name, data=retention)  # fmt: skip
