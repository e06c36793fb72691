"""The audit trail: every state change, who made it and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_db, to_db
from storage.db import Database, Tx


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor_id: int | None
    actor_name: str | None
    action: str
    subject: str | None
    detail: str | None


async def record(
    tx: Tx,
    *,
    now: datetime,
    actor_id: int | None,
    actor_name: str | None,
    action: str,
    subject: str | None = None,
    detail: str | None = None,
) -> None:
    await tx.execute(
        "INSERT INTO audit (at, actor_id, actor_name, action, subject, detail)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (to_db(now), actor_id, actor_name, action, subject, detail),
    )


async def history(db: Database, subject: str) -> list[AuditEntry]:
    rows = await db.fetchall(
        "SELECT at, actor_id, actor_name, action, subject, detail FROM audit"
        " WHERE subject = ? ORDER BY id",
        (subject,),
    )
    return [
        AuditEntry(
            from_db(r["at"]), r["actor_id"], r["actor_name"], r["action"], r["subject"], r["detail"]
        )
        for r in rows
    ]
