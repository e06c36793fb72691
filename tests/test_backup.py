from __future__ import annotations

import sqlite3

from bot.app import App
from jobs.backup import run_backup
from tests.fakebot.running import services


async def test_nightly_backup_is_a_readable_copy_of_the_database(bot: App) -> None:
    path = await run_backup(services(bot))
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM people").fetchone()[0] >= 8
    finally:
        conn.close()
    assert bot.job_queue is not None and bot.job_queue.get_jobs_by_name("backup:nightly")
