"""The database: migrations, refusal of newer schemas, transactions, persistence."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.db import Database, SchemaTooNewError, migration_scripts
from storage.persistence import SqlitePersistence


async def test_fresh_database_gets_every_migration_and_wal(tmp_path: Path) -> None:
    db = Database(tmp_path / "new" / "b.sqlite3")
    await db.open()
    try:
        assert await db.fetchval("PRAGMA user_version") == len(migration_scripts())
        assert await db.fetchval("PRAGMA journal_mode") == "wal"
        assert await db.fetchval("PRAGMA foreign_keys") == 1
    finally:
        await db.close()


async def test_older_database_is_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    version, _, first = migration_scripts()[0]
    conn = sqlite3.connect(path)
    conn.executescript(first)
    conn.execute("INSERT INTO people (user_id, name, created_at) VALUES (1, '老王', 'x')")
    conn.execute(f"PRAGMA user_version={version}")
    conn.commit()
    conn.close()
    db = Database(path)
    await db.open()
    try:
        assert await db.fetchval("PRAGMA user_version") == len(migration_scripts())
        assert await db.fetchval("SELECT name FROM people WHERE user_id = 1") == "老王"
    finally:
        await db.close()


async def test_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=999")
    conn.close()
    db = Database(path)
    with pytest.raises(SchemaTooNewError, match="999"):
        await db.open()


async def test_failed_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    db = Database(tmp_path / "t.sqlite3")
    await db.open()
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO people (user_id, name, created_at) VALUES (2, 'a', 'x')"
                )
                raise RuntimeError("boom")
        assert await db.fetchval("SELECT COUNT(*) FROM people") == 0
    finally:
        await db.close()


async def test_conversations_and_user_data_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    db = Database(path)
    await db.open()
    persistence = SqlitePersistence(db)
    await persistence.update_conversation("repair_guided", (10, 10), 3)
    await persistence.update_user_data(10, {"draft": {"location": "302教室", "photos": ["a"]}})
    await db.close()

    again = SqlitePersistence(Database(path))
    assert await again.get_conversations("repair_guided") == {(10, 10): 3}
    assert (await again.get_user_data())[10]["draft"]["location"] == "302教室"
    await again.update_conversation("repair_guided", (10, 10), None)
    assert await again.get_conversations("repair_guided") == {}
    await again.db.close()


async def _changes(db: Database) -> int:
    return int(await db.fetchval("SELECT total_changes()"))


async def test_unchanged_user_data_is_not_written_again(tmp_path: Path) -> None:
    db = Database(tmp_path / "u.sqlite3")
    await db.open()
    persistence = SqlitePersistence(db)
    try:
        await persistence.get_user_data()
        await persistence.update_user_data(10, {"draft": {"lines": ["猪肉 20斤 13.5"]}})
        before = await _changes(db)
        await persistence.update_user_data(10, {"draft": {"lines": ["猪肉 20斤 13.5"]}})
        await persistence.update_chat_data(10, {})  # new: written once
        await persistence.update_chat_data(10, {})
        assert await _changes(db) == before + 1
        await persistence.update_user_data(10, {"draft": {"lines": []}})
        await persistence.drop_chat_data(10)
        await persistence.update_chat_data(10, {})  # dropped, so written again
        assert await _changes(db) == before + 4
        stored = await db.fetchval("SELECT data FROM ptb_user_data WHERE user_id = 10")
        assert stored == '{"draft": {"lines": []}}'
    finally:
        await db.close()


async def test_user_data_whose_commit_failed_is_written_the_next_time(tmp_path: Path) -> None:
    db = Database(tmp_path / "f.sqlite3")
    await db.open()
    persistence = SqlitePersistence(db)
    try:
        await persistence.update_user_data(10, {"step": 1})
        await db.conn.execute(
            "CREATE TRIGGER full BEFORE UPDATE ON ptb_user_data BEGIN"
            " SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
        with pytest.raises(sqlite3.IntegrityError):
            async with persistence.batch():
                await persistence.update_user_data(10, {"step": 2})
        await db.conn.execute("DROP TRIGGER full")
        await persistence.update_user_data(10, {"step": 2})
        assert await db.fetchval("SELECT data FROM ptb_user_data WHERE user_id = 10") == (
            '{"step": 2}'
        )
    finally:
        await db.close()


async def test_data_changed_and_changed_back_in_one_commit_is_stored_as_it_ends(
    tmp_path: Path,
) -> None:
    db = Database(tmp_path / "b.sqlite3")
    await db.open()
    persistence = SqlitePersistence(db)
    try:
        await persistence.update_user_data(10, {"step": 1})
        async with persistence.batch():
            await persistence.update_user_data(10, {"step": 2})
            await persistence.update_user_data(10, {"step": 1})
        assert await db.fetchval("SELECT data FROM ptb_user_data WHERE user_id = 10") == (
            '{"step": 1}'
        )
    finally:
        await db.close()
