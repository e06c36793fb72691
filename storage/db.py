"""One aiosqlite connection with sane defaults, migrations and explicit transactions.

The service layer owns transactions: ``async with db.transaction() as tx`` spans every
write of one user action, so what the bot says is saved is committed before it says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.clock import to_db

T = TypeVar("T")

log = logging.getLogger(__name__)

Row = aiosqlite.Row
Params = Sequence[Any] | dict[str, Any]


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer version of the bot."""


class DatabaseUnusableError(RuntimeError):
    """The database cannot be opened, written or read back intact at start. The message
    is the one line the operator needs, naming the backup to restore."""


@dataclass
class Handling:
    """The Telegram update being handled right now (see ``bot.receiving``). Mutable on
    purpose: a job scheduled from the handler copies the context and must see ``None``
    once the update is finished."""

    update_id: int | None
    now: Callable[[], datetime]  # the bot's clock: "handled" is stamped in its time
    settled: bool = False  # a commit marked it handled: later ones need not again


_handling: ContextVar[Handling | None] = ContextVar("houqin_update", default=None)


def begin_update(update_id: int, now: Callable[[], datetime]) -> Handling:
    handling = Handling(update_id, now)
    _handling.set(handling)
    return handling


def current_update_id() -> int | None:
    handling = _handling.get()
    return None if handling is None else handling.update_id


def migration_scripts() -> list[tuple[int, str, str]]:
    """``(version, name, sql)`` for every ``NNN_name.sql`` shipped in storage/migrations."""
    scripts = []
    for entry in resources.files("storage.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            scripts.append((int(name[:3]), name, entry.read_text(encoding="utf-8")))
    scripts.sort()
    versions = [v for v, _, _ in scripts]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return scripts


class Database:
    """Owns the connection. ``open()`` is idempotent so persistence may open it early."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._open_lock = asyncio.Lock()
        # One writer at a time on our single connection: a transaction must not interleave
        # with another coroutine's statements.
        self._tx_lock = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def open(self) -> None:
        async with self._open_lock:
            if self._conn is not None:
                return
            try:
                await asyncio.to_thread(self.path.parent.mkdir, parents=True, exist_ok=True)
                conn = await aiosqlite.connect(self.path, isolation_level=None)
            except (sqlite3.Error, OSError) as exc:
                raise DatabaseUnusableError(self._unusable(exc)) from exc
            conn.row_factory = aiosqlite.Row
            try:
                await conn.execute("PRAGMA journal_mode=WAL")
                await conn.execute("PRAGMA foreign_keys=ON")
                await conn.execute("PRAGMA busy_timeout=5000")
                await conn.execute("PRAGMA synchronous=NORMAL")
                # Damaged pages otherwise show up later as 「出了点问题」 on every message.
                async with conn.execute("PRAGMA quick_check") as cur:
                    problems = [str(r[0]) for r in await cur.fetchall()]
                if problems != ["ok"]:
                    raise DatabaseUnusableError(self._unusable("; ".join(problems[:3])))
                await self._migrate(conn)
            except (sqlite3.Error, OSError) as exc:
                await conn.close()
                raise DatabaseUnusableError(self._unusable(exc)) from exc
            except BaseException:
                await conn.close()
                raise
            self._conn = conn

    def _unusable(self, reason: object) -> str:
        from storage import backup  # storage.backup imports this module

        newest = backup.latest(self.path.parent)
        restore = (
            f"restore the latest backup: python -m bot restore {newest}"
            if newest is not None
            else f"no backup found in {backup.folder(self.path.parent)}"
        )
        return f"database {self.path} cannot be used ({reason}); {restore}"

    async def close(self) -> None:
        async with self._open_lock:
            if self._conn is not None:
                await self._conn.close()
                self._conn = None

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        scripts = migration_scripts()
        latest = scripts[-1][0] if scripts else 0
        async with conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        if current > latest:
            raise SchemaTooNewError(
                f"database {self.path} has schema version {current}, this bot knows up to "
                f"{latest}: upgrade the bot or restore a backup"
            )
        for version, name, sql in scripts:
            if version <= current:
                continue
            log.info("applying migration %s", name)
            # executescript would COMMIT first; run statements one by one inside our own
            # transaction so a failed migration leaves the database as it was.
            await conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in split_sql(sql):
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version={version}")
                await conn.execute("COMMIT")
            except BaseException:
                await conn.execute("ROLLBACK")
                raise

    @asynccontextmanager
    async def transaction(self, *, settles: bool = True) -> AsyncIterator[Tx]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception.

        The first transaction that commits while an update is handled also marks that
        update handled in the inbox: after a crash, an update is replayed only if nothing
        it did was saved, so a replay never adds a purchase line or a report twice.
        ``settles=False`` for writes that are safe to repeat (a contact refresh)."""
        async with self._tx_lock:
            conn = self.conn
            try:
                await conn.execute("BEGIN IMMEDIATE")
            except asyncio.CancelledError:
                # Cancelled (polling stopping) while BEGIN was queued: it still runs on
                # aiosqlite's thread, and an open transaction would break the next one.
                # The ROLLBACK is queued after it; it fails harmlessly if BEGIN never ran.
                with contextlib.suppress(sqlite3.Error):
                    await asyncio.shield(conn.execute("ROLLBACK"))
                raise
            handling = _handling.get() if settles else None
            if handling is not None and (handling.update_id is None or handling.settled):
                handling = None  # no update, or one marked handled by an earlier commit
            try:
                yield Tx(conn)
                if handling is not None:
                    await conn.execute(
                        "UPDATE inbox SET handled_at = ? WHERE update_id = ?"
                        " AND handled_at IS NULL",
                        (to_db(handling.now()), handling.update_id),
                    )
            except BaseException:
                # SQLite has rolled back by itself after some errors (SQLITE_FULL): a
                # second ROLLBACK would hide the real error behind "no transaction".
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")
                if handling is not None:
                    handling.settled = True

    async def online_backup(self, target: Path) -> None:
        """A consistent copy with SQLite's online backup API, between our transactions;
        written aside and renamed, so a backup is never seen half-written."""
        partial = target.with_name(target.name + ".part")
        await asyncio.to_thread(partial.unlink, missing_ok=True)
        out = await asyncio.to_thread(sqlite3.connect, partial, check_same_thread=False)
        try:
            async with self._tx_lock:
                await self.conn.backup(out)
        finally:
            out.close()
        await asyncio.to_thread(os.replace, partial, target)

    async def backup_to(self, target: Path) -> None:
        """A consistent copy of the live database (VACUUM INTO), between transactions."""
        async with self._tx_lock:
            await self.conn.execute("VACUUM INTO ?", (str(target),))

    # Reads outside a transaction: wait for any running transaction so we never read
    # in the middle of another coroutine's writes on the same connection.
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._tx_lock, self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._tx_lock, self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn`` on a read-only connection of its own, in a worker thread: a year's rows
        are fetched and made into records there, without holding the event loop and without
        the bot's own connection, which goes on serving everyone's writes meanwhile. One
        read transaction (WAL): every query of ``fn`` sees what was committed when the first
        began, so a report's tables agree with each other."""

        return await asyncio.to_thread(read_snapshot, self.path, fn)


def read_snapshot(path: Path, fn: Callable[[sqlite3.Connection], T]) -> T:
    """``fn`` on a read-only connection of its own to the database at ``path``, in one read
    transaction. Blocking: called from a worker thread (``Database.read``) or a worker
    process (an export built next to its workbook, see ``bot.services.reports``)."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=5, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("BEGIN")
        return fn(conn)
    finally:
        conn.close()


class Tx:
    """The handle a service gets inside ``Database.transaction()``."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns ``lastrowid`` (useful after INSERT)."""
        async with self.conn.execute(sql, params) as cur:
            return int(cur.lastrowid or 0)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self.conn.executemany(sql, rows)

    async def rowcount(self, sql: str, params: Params = ()) -> int:
        """Run one UPDATE/DELETE; returns how many rows it changed (for compare-and-set)."""
        async with self.conn.execute(sql, params) as cur:
            return int(cur.rowcount)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


def split_sql(script: str) -> list[str]:
    """Split a migration on ``;`` at line ends (our migrations keep triggers out)."""
    statements, buf = [], []
    for line in script.splitlines():
        stripped = line.strip()
        if stripped.startswith("--") or not stripped:
            continue
        buf.append(line)
        if stripped.endswith(";"):
            statements.append("\n".join(buf))
            buf = []
    if buf:
        statements.append("\n".join(buf))
    return statements
