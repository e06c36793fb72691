"""A nightly copy of the database under BOT_DATA_DIR/backups, keeping the last two weeks.

Purchase records must be kept for at least two years; a disk that dies must not take them.
``VACUUM INTO`` writes a consistent copy while the bot keeps running.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import time
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.context import BotContext
from bot.services.container import Services
from jobs import drop_jobs, job_queue

log = logging.getLogger(__name__)

JOB_NAME = "backup:nightly"
KEEP = 14
BACKUP_TIME = time(2, 30)


async def run_backup(svc: Services) -> Path:
    folder = svc.settings.data_dir / "backups"
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    target = folder / f"houqin-{svc.local_now():%Y%m%d-%H%M%S}.sqlite3"
    await svc.db.backup_to(target)
    old = sorted(folder.glob("houqin-*.sqlite3"))[:-KEEP]
    for path in old:
        await asyncio.to_thread(path.unlink, missing_ok=True)
    log.info("database backed up to %s", target.name)
    return target


async def _job(context: BotContext) -> None:
    await run_backup(context.services)


async def start(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    queue = job_queue(app)
    drop_jobs(queue, JOB_NAME)
    queue.run_daily(
        _job,
        BACKUP_TIME,  # in BOT_TIMEZONE through Defaults(tzinfo)
        name=JOB_NAME,
        job_kwargs={"misfire_grace_time": 6 * 3600, "coalesce": True},
    )
