"""The inbox: updates as received, until they are handled (see migration 006).

An update is handled once: the first transaction an update commits marks it handled
(``Database.transaction``), so a replay after a crash never files the same report twice;
an update that saved nothing is marked handled after its handler has finished.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.clock import to_db
from storage.db import Database, Tx


async def record(db: Database, update_id: int, payload: dict[str, Any], now: datetime) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT OR IGNORE INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)",
            (update_id, json.dumps(payload, ensure_ascii=False), to_db(now)),
        )


async def is_handled(db: Database, update_id: int) -> bool:
    value = await db.fetchval("SELECT handled_at FROM inbox WHERE update_id = ?", (update_id,))
    return value is not None


async def mark_handled(db: Database, update_id: int, now: datetime) -> None:
    async with db.transaction() as tx:
        await _mark(tx, update_id, now)


async def _mark(tx: Tx, update_id: int, now: datetime) -> None:
    await tx.execute(
        "UPDATE inbox SET handled_at = ? WHERE update_id = ? AND handled_at IS NULL",
        (to_db(now), update_id),
    )


async def unhandled(db: Database) -> list[dict[str, Any]]:
    """Updates received but not handled (the bot stopped in between), oldest first."""
    rows = await db.fetchall(
        "SELECT payload FROM inbox WHERE handled_at IS NULL ORDER BY update_id"
    )
    return [json.loads(r["payload"]) for r in rows]


async def take_for_replay(
    db: Database, now: datetime, max_replays: int
) -> tuple[list[dict[str, Any]], list[int]]:
    """The unhandled updates to replay at this start (counted), and the ids of those that
    were replayed ``max_replays`` times already without finishing: an update that kills
    the bot each time must not keep it from starting, so those are given up (and marked)."""
    async with db.transaction() as tx:
        rows = await tx.fetchall(
            "SELECT update_id, payload, replays FROM inbox WHERE handled_at IS NULL"
            " ORDER BY update_id"
        )
        given_up = [int(r["update_id"]) for r in rows if r["replays"] >= max_replays]
        for update_id in given_up:
            await _mark(tx, update_id, now)
        await tx.execute(
            "UPDATE inbox SET replays = replays + 1 WHERE handled_at IS NULL AND replays < ?",
            (max_replays,),
        )
    replay = [json.loads(r["payload"]) for r in rows if r["replays"] < max_replays]
    return replay, given_up


async def prune(db: Database, handled_before: datetime) -> int:
    async with db.transaction() as tx:
        return await tx.rowcount(
            "DELETE FROM inbox WHERE handled_at IS NOT NULL AND handled_at < ?",
            (to_db(handled_before),),
        )
