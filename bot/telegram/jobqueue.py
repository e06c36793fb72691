"""JobQueue helpers. Jobs are named (``patrol:morning``, ``outbox:poll``) so that starting
again replaces them instead of adding a second copy."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import Application, JobQueue

AnyApp = Application[Any, Any, Any, Any, Any, Any]


def job_queue(app: AnyApp) -> JobQueue[Any]:
    """The JobQueue; pyproject installs PTB's job-queue extra, so its absence is a broken
    install, not a mode to run in."""
    if app.job_queue is None:
        raise RuntimeError("no JobQueue: install python-telegram-bot[job-queue]")
    return app.job_queue


def drop_jobs(queue: JobQueue[Any], name: str) -> None:
    """Remove every job called ``name`` before scheduling it again."""
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()


def run_watch(
    app: AnyApp, name: str, callback: Callable[[Any], Coroutine[Any, Any, None]], seconds: float
) -> None:
    """A check that runs every ``seconds`` (reminders, escalations) and never piles up: a
    run missed while the bot was busy or down is dropped and overdue runs coalesce."""
    queue = job_queue(app)
    drop_jobs(queue, name)
    queue.run_repeating(
        callback,
        interval=seconds,
        first=seconds,
        name=name,
        job_kwargs={"misfire_grace_time": seconds, "coalesce": True},
    )
