"""School links, join requests, the roster and its drafts, strangers already told their id."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_db, to_db
from bot.domain.roles import Role
from bot.domain.roster import RosterEntry, name_key
from storage.db import Database, Row, Tx
from storage.invites import code_hash


# ---- school links ---------------------------------------------------------------------
@dataclass(frozen=True)
class SchoolLink:
    id: int
    role: Role
    max_uses: int | None
    uses: int
    created_by: int
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    def is_open(self, now: datetime) -> bool:
        full = self.max_uses is not None and self.uses >= self.max_uses
        return self.revoked_at is None and self.expires_at > now and not full


_LINK = (
    "SELECT id, role, max_uses, uses, created_by, created_at, expires_at, revoked_at"
    " FROM school_links"
)


def _link(row: Row) -> SchoolLink:
    revoked = row["revoked_at"]
    return SchoolLink(
        row["id"], Role(row["role"]), row["max_uses"], row["uses"], row["created_by"],
        from_db(row["created_at"]), from_db(row["expires_at"]),
        from_db(revoked) if revoked else None,
    )  # fmt: skip


async def create_link(
    tx: Tx, code: str, role: Role, *, max_uses: int | None, by: int, now: datetime,
    expires_at: datetime,
) -> int:  # fmt: skip
    return await tx.execute(
        "INSERT INTO school_links (code_hash, role, max_uses, created_by, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (code_hash(code), role.value, max_uses, by, to_db(now), to_db(expires_at)),
    )


async def link_by_code(db: Database | Tx, code: str) -> SchoolLink | None:
    row = await db.fetchone(_LINK + " WHERE code_hash = ?", (code_hash(code),))
    return None if row is None else _link(row)


async def link(db: Database | Tx, link_id: int) -> SchoolLink | None:
    row = await db.fetchone(_LINK + " WHERE id = ?", (link_id,))
    return None if row is None else _link(row)


async def open_links(db: Database | Tx, now: datetime) -> list[SchoolLink]:
    rows = await db.fetchall(
        _LINK + " WHERE revoked_at IS NULL AND expires_at > ? ORDER BY id", (to_db(now),)
    )
    return [lk for lk in map(_link, rows) if lk.is_open(now)]


async def use_link(tx: Tx, link_id: int) -> bool:
    """Count one use, unless the link ran out meanwhile (compare-and-set)."""
    return (
        await tx.rowcount(
            "UPDATE school_links SET uses = uses + 1 WHERE id = ? AND revoked_at IS NULL"
            " AND (max_uses IS NULL OR uses < max_uses)",
            (link_id,),
        )
        == 1
    )


async def revoke_link(tx: Tx, link_id: int, *, by: int, now: datetime) -> bool:
    return (
        await tx.rowcount(
            "UPDATE school_links SET revoked_at = ?, revoked_by = ? WHERE id = ?"
            " AND revoked_at IS NULL",
            (to_db(now), by, link_id),
        )
        == 1
    )


# ---- join requests ----------------------------------------------------------------------
@dataclass(frozen=True)
class JoinRequest:
    id: int
    link_id: int
    user_id: int
    name: str
    username: str | None
    chat_id: int
    role: Role
    state: str
    decided_by: int | None
    roster_id: int | None


_REQUEST = (
    "SELECT id, link_id, user_id, name, username, chat_id, role, state, decided_by, roster_id"
    " FROM join_requests"
)


def _request(row: Row) -> JoinRequest:
    return JoinRequest(
        row["id"], row["link_id"], row["user_id"], row["name"], row["username"],
        row["chat_id"], Role(row["role"]), row["state"], row["decided_by"], row["roster_id"],
    )  # fmt: skip


async def add_request(
    tx: Tx, *, link_id: int, user_id: int, name: str, username: str | None, chat_id: int,
    role: Role, now: datetime, state: str = "pending", roster_id: int | None = None,
) -> int:  # fmt: skip
    return await tx.execute(
        "INSERT INTO join_requests (link_id, user_id, name, username, chat_id, role, state,"
        " created_at, decided_at, roster_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            link_id, user_id, name, username, chat_id, role.value, state, to_db(now),
            None if state == "pending" else to_db(now), roster_id,
        ),
    )  # fmt: skip


async def request(db: Database | Tx, request_id: int) -> JoinRequest | None:
    row = await db.fetchone(_REQUEST + " WHERE id = ?", (request_id,))
    return None if row is None else _request(row)


async def pending_request_of(db: Database | Tx, user_id: int) -> JoinRequest | None:
    row = await db.fetchone(_REQUEST + " WHERE user_id = ? AND state = 'pending'", (user_id,))
    return None if row is None else _request(row)


async def decide(
    tx: Tx, request_id: int, state: str, *, role: Role, by: int, now: datetime
) -> bool:
    """Compare-and-set: only a pending request is decided, once."""
    return (
        await tx.rowcount(
            "UPDATE join_requests SET state = ?, role = ?, decided_by = ?, decided_at = ?"
            " WHERE id = ? AND state = 'pending'",
            (state, role.value, by, to_db(now), request_id),
        )
        == 1
    )


async def count_pending(db: Database | Tx) -> int:
    return int(await db.fetchval("SELECT COUNT(*) FROM join_requests WHERE state = 'pending'"))


# ---- roster -----------------------------------------------------------------------------
@dataclass(frozen=True)
class RosterRow:
    id: int
    name: str
    role: Role
    phone: str | None
    department: str | None
    user_id: int | None


def _roster(row: Row) -> RosterRow:
    return RosterRow(
        row["id"], row["name"], Role(row["role"]), row["phone"], row["department"],
        row["user_id"],
    )  # fmt: skip


_ROSTER = "SELECT id, name, role, phone, department, user_id FROM roster"


async def roster_by_name(db: Database | Tx, name: str) -> RosterRow | None:
    row = await db.fetchone(_ROSTER + " WHERE name_key = ?", (name_key(name),))
    return None if row is None else _roster(row)


async def roster_of(db: Database | Tx, user_id: int) -> RosterRow | None:
    row = await db.fetchone(_ROSTER + " WHERE user_id = ?", (user_id,))
    return None if row is None else _roster(row)


async def whole_roster(db: Database | Tx) -> list[RosterRow]:
    return [_roster(r) for r in await db.fetchall(_ROSTER + " ORDER BY id")]


async def upsert_roster(tx: Tx, entry: RosterEntry, *, by: int, now: datetime) -> bool:
    """Add a person to the roster, or update their role and details (a second import of
    a corrected list). Returns True when the name is new."""
    existed = await tx.fetchval("SELECT 1 FROM roster WHERE name_key = ?", (entry.key,))
    await tx.execute(
        "INSERT INTO roster (name, name_key, role, phone, department, imported_by, imported_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name_key) DO UPDATE SET name = excluded.name,"
        " role = excluded.role, phone = excluded.phone, department = excluded.department,"
        " imported_by = excluded.imported_by, imported_at = excluded.imported_at",
        (entry.name, entry.key, entry.role.value, entry.phone, entry.department, by, to_db(now)),
    )
    return not existed


async def link_roster(tx: Tx, roster_id: int, user_id: int) -> None:
    await tx.execute("UPDATE roster SET user_id = ? WHERE id = ?", (user_id, roster_id))


# ---- roster drafts (preview waiting for 导入 / 取消) ----------------------------------------
def _entry_json(e: RosterEntry) -> list[str | None]:
    return [e.name, e.role.value, e.phone, e.department]


async def save_draft(tx: Tx, entries: tuple[RosterEntry, ...], *, by: int, now: datetime) -> int:
    return await tx.execute(
        "INSERT INTO roster_drafts (entries, created_by, created_at) VALUES (?, ?, ?)",
        (json.dumps([_entry_json(e) for e in entries], ensure_ascii=False), by, to_db(now)),
    )


async def open_draft(tx: Tx, draft_id: int) -> tuple[RosterEntry, ...] | None:
    """The entries of a draft still open, or None (already imported, cancelled, unknown)."""
    raw = await tx.fetchval(
        "SELECT entries FROM roster_drafts WHERE id = ? AND state = 'open'", (draft_id,)
    )
    if raw is None:
        return None
    return tuple(RosterEntry(n, Role(r), p, d) for n, r, p, d in json.loads(raw))


async def close_draft(tx: Tx, draft_id: int, state: str) -> bool:
    return (
        await tx.rowcount(
            "UPDATE roster_drafts SET state = ? WHERE id = ? AND state = 'open'",
            (state, draft_id),
        )
        == 1
    )


# ---- strangers --------------------------------------------------------------------------
async def tell_stranger_once(tx: Tx, user_id: int, now: datetime) -> bool:
    """True the first time only."""
    return (
        await tx.rowcount(
            "INSERT OR IGNORE INTO stranger_notices (user_id, told_at) VALUES (?, ?)",
            (user_id, to_db(now)),
        )
        == 1
    )


async def was_removed(db: Database | Tx, user_id: int) -> bool:
    """A person an admin removed (the row stays, inactive)."""
    return bool(
        await db.fetchval("SELECT 1 FROM people WHERE user_id = ? AND active = 0", (user_id,))
    )
