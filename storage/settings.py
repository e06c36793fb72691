"""Small settings admins change in chat, by key (table settings_kv)."""

from __future__ import annotations

from datetime import datetime

from bot.clock import to_db
from storage.db import Database, Tx

PUBLIC_CHAT = "public_chat_id"
PUBLIC_CHAT_TITLE = "public_chat_title"


async def get(db: Database | Tx, key: str) -> str | None:
    value = await db.fetchval("SELECT value FROM settings_kv WHERE key = ?", (key,))
    return None if value is None else str(value)


async def put(tx: Tx, key: str, value: str, *, now: datetime) -> None:
    await tx.execute(
        "INSERT INTO settings_kv (key, value, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (key, value, to_db(now)),
    )
