"""Scheduled work. Thin functions; schedules live in the DB and are restored at start.

Jobs are named (``patrol:morning``, ``repairs:escalation``) so that starting again replaces
them instead of adding a second copy. The outbox sender is Telegram-side work that handlers
kick too, so it lives in ``bot/telegram/outbox.py``.
"""

from __future__ import annotations

from bot.telegram.jobqueue import AnyApp, drop_jobs, job_queue, run_watch

__all__ = ["AnyApp", "drop_jobs", "job_queue", "run_watch"]
