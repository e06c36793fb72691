"""Invite codes, stored hashed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_db, to_db
from bot.domain.roles import Role
from storage.db import Tx


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


@dataclass(frozen=True)
class Invite:
    role: Role
    created_by: int
    expires_at: datetime
    used_by: int | None


async def create(
    tx: Tx, code: str, role: Role, *, by: int, now: datetime, expires_at: datetime
) -> None:
    await tx.execute(
        "INSERT INTO invites (code_hash, role, created_by, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (code_hash(code), role.value, by, to_db(now), to_db(expires_at)),
    )


async def find(tx: Tx, code: str) -> Invite | None:
    row = await tx.fetchone(
        "SELECT role, created_by, expires_at, used_by FROM invites WHERE code_hash = ?",
        (code_hash(code),),
    )
    if row is None:
        return None
    return Invite(Role(row["role"]), row["created_by"], from_db(row["expires_at"]), row["used_by"])


async def mark_used(tx: Tx, code: str, user_id: int, now: datetime) -> bool:
    """Compare-and-set so two taps on one link cannot both register."""
    return (
        await tx.rowcount(
            "UPDATE invites SET used_by = ?, used_at = ? WHERE code_hash = ? AND used_by IS NULL",
            (user_id, to_db(now), code_hash(code)),
        )
        == 1
    )
