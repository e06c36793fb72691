"""``python -m bot restore FILE``: put a backup back in place of the database.

Run it with the bot stopped. The backup is checked first (``PRAGMA integrity_check``, a
schema this bot knows); the database it replaces is kept aside, never deleted.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

from bot.config import Settings, read_dotenv
from storage import backup

EXIT_USAGE = 2
EXIT_BAD_BACKUP = 5


def _data_dir() -> Path:
    # Only BOT_DATA_DIR matters here; no token is needed to restore a file.
    env = read_dotenv(Path(".env"))
    env.update(os.environ)
    value = (env.get("BOT_DATA_DIR") or "").strip()
    return Path(value) if value else Settings.data_dir  # the default, ./data


def main(args: list[str]) -> int:
    if len(args) != 1:
        print("usage: python -m bot restore FILE   (stop the bot first)", file=sys.stderr)
        return EXIT_USAGE
    source = Path(args[0])
    db_path = _data_dir() / "houqin.sqlite3"
    try:
        done = backup.restore(source, db_path, datetime.now())
    except backup.RestoreError as err:
        print(f"后勤助手: not restored: {err}", file=sys.stderr)
        return EXIT_BAD_BACKUP
    except OSError as err:
        print(f"后勤助手: not restored: {err}", file=sys.stderr)
        return EXIT_BAD_BACKUP
    kept = f"; the previous database is kept as {done.aside}" if done.aside else ""
    print(f"后勤助手: restored {source} (schema version {done.version}) to {db_path}{kept}")
    return 0
