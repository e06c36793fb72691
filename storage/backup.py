"""Backups of the database file: where they are, a fresh one with SQLite's online backup
API (a consistent copy while the bot keeps writing), and restoring one (``python -m bot
restore FILE``) after checking it."""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from storage.db import migration_scripts

PATTERN = "houqin-*.sqlite3"


def folder(data_dir: Path) -> Path:
    return data_dir / "backups"


def latest(data_dir: Path) -> Path | None:
    """The newest backup (names sort by the time in them)."""
    found = sorted(folder(data_dir).glob(PATTERN)) if folder(data_dir).is_dir() else []
    return found[-1] if found else None


def name_for(when: datetime) -> str:
    return f"houqin-{when:%Y%m%d-%H%M%S}.sqlite3"


class RestoreError(Exception):
    """The file given to ``restore`` is not a backup this bot can use."""


@dataclass(frozen=True)
class Restored:
    version: int
    aside: Path | None  # where the database that was replaced now is


def check(path: Path) -> int:
    """``PRAGMA integrity_check`` and the schema version; returns the version."""
    if not path.is_file():
        raise RestoreError(f"{path} does not exist")
    latest_known = migration_scripts()[-1][0]
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise RestoreError(f"{path} is damaged or not a SQLite database ({exc})") from exc
    if result != ["ok"]:
        raise RestoreError(f"{path} is damaged (integrity check: {'; '.join(result[:3])})")
    if version < 1:
        raise RestoreError(f"{path} is not a 后勤助手 database (schema version 0)")
    if version > latest_known:
        raise RestoreError(
            f"{path} has schema version {version}, this bot knows up to {latest_known}"
        )
    return version


def restore(backup: Path, db_path: Path, now: datetime) -> Restored:
    """Check ``backup``, move the current database (with its WAL) aside, put the backup in
    its place. The bot must be stopped; it migrates an older backup at its next start."""
    version = check(backup)
    aside: Path | None = None
    stamp = f"{now:%Y%m%d-%H%M%S}"
    if db_path.exists():
        aside = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        current = db_path.with_name(db_path.name + suffix)
        if current.exists():
            os.replace(current, db_path.with_name(f"{db_path.name}.before-restore-{stamp}{suffix}"))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    partial = db_path.with_name(db_path.name + ".restoring")
    shutil.copyfile(backup, partial)
    os.replace(partial, db_path)
    return Restored(version, aside)
