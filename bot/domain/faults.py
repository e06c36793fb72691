"""Storage faults (disk full, read-only data directory, damaged database) told apart from
bugs, so the operator gets one clear line and the users a short "try again later" instead
of a traceback and 「出了点问题」."""

from __future__ import annotations

import errno
import sqlite3
from datetime import datetime, timedelta

DISK_FULL = "disk_full"
READ_ONLY = "read_only"
CORRUPT = "corrupt"
DISK_ERROR = "disk_error"

# One line for the operator: what is wrong and what to do.
ADVICE = {
    DISK_FULL: "the disk is full: free space on the BOT_DATA_DIR filesystem",
    READ_ONLY: "BOT_DATA_DIR or the database is read-only: check its mount and permissions",
    CORRUPT: "the database file is damaged: stop the bot and run python -m bot restore <backup>",
    DISK_ERROR: "the disk reports I/O errors: check the disk, then restore a backup if needed",
}

_SQLITE_KINDS = {
    "SQLITE_FULL": DISK_FULL,
    "SQLITE_READONLY": READ_ONLY,
    "SQLITE_CANTOPEN": READ_ONLY,
    "SQLITE_PERM": READ_ONLY,
    "SQLITE_CORRUPT": CORRUPT,
    "SQLITE_NOTADB": CORRUPT,
    "SQLITE_IOERR": DISK_ERROR,
}
_ERRNO_KINDS = {
    errno.ENOSPC: DISK_FULL,
    errno.EDQUOT: DISK_FULL,
    errno.EROFS: READ_ONLY,
    errno.EACCES: READ_ONLY,
    errno.EPERM: READ_ONLY,
    errno.EIO: DISK_ERROR,
}


def kind_of(error: BaseException | None) -> str | None:
    """The kind of storage fault ``error`` is, or None for anything else."""
    if isinstance(error, sqlite3.Error):
        name = str(getattr(error, "sqlite_errorname", "") or "")
        for prefix, kind in _SQLITE_KINDS.items():
            if name.startswith(prefix):
                return kind
        text = str(error).lower()
        if "disk is full" in text:
            return DISK_FULL
        if "readonly" in text or "unable to open" in text:
            return READ_ONLY
        if "malformed" in text or "not a database" in text:
            return CORRUPT
        return None
    if isinstance(error, OSError) and error.errno in _ERRNO_KINDS:
        return _ERRNO_KINDS[error.errno]
    return None


class FaultAlarm:
    """Says a fault once per kind per hour (per audience), never a line per failed write."""

    def __init__(self, every: timedelta = timedelta(hours=1)) -> None:
        self.every = every
        self._last: dict[str, datetime] = {}

    def due(self, key: str, now: datetime) -> bool:
        last = self._last.get(key)
        if last is not None and now - last < self.every:
            return False
        self._last[key] = now
        return True
