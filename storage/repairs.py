"""Repair tickets, their photos and sent reminders. SQL only; the service owns the
transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_db, to_db
from bot.domain.messages import Photo
from bot.domain.repairs import Category, RepairState, RepairTicket, Urgency, location_key
from storage.db import Database, Row, Tx

_COLUMNS = (
    "id, reporter_id, reporter_name, location, description, category, urgency, state, version,"
    " created_at, state_at, state_by_id, state_by_name, assignee_id, assignee_name,"
    " accepted_at, started_at, done_at, done_note, verified_at, reason, hold_from,"
    " reopen_count, work_since, patrol_round_id"
)
OPEN_STATES = tuple(s.value for s in RepairState if s.is_open)


def _dt(value: str | None) -> datetime | None:
    return from_db(value) if value else None


def _db(value: datetime | None) -> str | None:
    return to_db(value) if value else None


def _ticket(r: Row) -> RepairTicket:
    return RepairTicket(
        id=r["id"],
        reporter_id=r["reporter_id"],
        reporter_name=r["reporter_name"],
        location=r["location"],
        description=r["description"],
        category=Category(r["category"]),
        urgency=Urgency(r["urgency"]),
        created_at=from_db(r["created_at"]),
        state=RepairState(r["state"]),
        state_at=_dt(r["state_at"]),
        state_by_id=r["state_by_id"],
        state_by_name=r["state_by_name"],
        assignee_id=r["assignee_id"],
        assignee_name=r["assignee_name"],
        accepted_at=_dt(r["accepted_at"]),
        started_at=_dt(r["started_at"]),
        done_at=_dt(r["done_at"]),
        done_note=r["done_note"],
        verified_at=_dt(r["verified_at"]),
        reason=r["reason"],
        hold_from=RepairState(r["hold_from"]) if r["hold_from"] else None,
        reopen_count=r["reopen_count"],
        work_since=_dt(r["work_since"]),
        patrol_round_id=r["patrol_round_id"],
        version=r["version"],
    )


@dataclass(frozen=True)
class RepairPhoto:
    kind: str  # before | after
    photo: Photo
    added_at: datetime


async def insert(
    tx: Tx,
    *,
    reporter_id: int,
    reporter_name: str,
    location: str,
    description: str,
    category: Category,
    urgency: Urgency,
    now: datetime,
    patrol_round_id: int | None = None,
) -> int:
    return await tx.execute(
        "INSERT INTO repairs (reporter_id, reporter_name, location, location_key, description,"
        " category, urgency, state, created_at, state_at, state_by_id, state_by_name,"
        " patrol_round_id) VALUES (?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?, ?, ?)",
        (
            reporter_id,
            reporter_name,
            location,
            location_key(location),
            description,
            category.value,
            urgency.value,
            to_db(now),
            to_db(now),
            reporter_id,
            reporter_name,
            patrol_round_id,
        ),
    )


async def get(db: Database | Tx, repair_id: int) -> RepairTicket | None:
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM repairs WHERE id = ?", (repair_id,))
    return None if row is None else _ticket(row)


async def save(tx: Tx, ticket: RepairTicket) -> bool:
    """Write a changed ticket if nobody changed it since it was read (version check)."""
    changed = await tx.rowcount(
        "UPDATE repairs SET location = ?, location_key = ?, description = ?, category = ?,"
        " urgency = ?, state = ?, version = version + 1, state_at = ?, state_by_id = ?,"
        " state_by_name = ?, assignee_id = ?, assignee_name = ?, accepted_at = ?,"
        " started_at = ?, done_at = ?, done_note = ?, verified_at = ?, reason = ?,"
        " hold_from = ?, reopen_count = ?, work_since = ?"
        " WHERE id = ? AND version = ?",
        (
            ticket.location,
            location_key(ticket.location),
            ticket.description,
            ticket.category.value,
            ticket.urgency.value,
            ticket.state.value,
            _db(ticket.state_at),
            ticket.state_by_id,
            ticket.state_by_name,
            ticket.assignee_id,
            ticket.assignee_name,
            _db(ticket.accepted_at),
            _db(ticket.started_at),
            _db(ticket.done_at),
            ticket.done_note,
            _db(ticket.verified_at),
            ticket.reason,
            ticket.hold_from.value if ticket.hold_from else None,
            ticket.reopen_count,
            _db(ticket.work_since),
            ticket.id,
            ticket.version,
        ),
    )
    if changed:
        ticket.version += 1
    return changed == 1


async def add_photos(
    tx: Tx,
    repair_id: int,
    photos: tuple[Photo, ...],
    *,
    kind: str,
    by: int | None,
    now: datetime,
) -> None:
    for photo in photos:
        await tx.execute(
            "INSERT INTO repair_photos (repair_id, kind, file_id, path, added_at, added_by)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (repair_id, kind, photo.file_id, photo.path, to_db(now), by),
        )


async def reported_with(tx: Tx, paths: list[str]) -> int | None:
    """The report these stored photos already belong to, if any."""
    if not paths:
        return None
    marks = ", ".join("?" for _ in paths)
    value = await tx.fetchval(
        f"SELECT repair_id FROM repair_photos WHERE kind = 'before' AND path IN ({marks}) LIMIT 1",
        paths,
    )
    return None if value is None else int(value)


async def photos(db: Database | Tx, repair_id: int, kind: str | None = None) -> list[RepairPhoto]:
    sql = "SELECT kind, file_id, path, added_at FROM repair_photos WHERE repair_id = ?"
    params: tuple[object, ...] = (repair_id,)
    if kind is not None:
        sql += " AND kind = ?"
        params += (kind,)
    rows = await db.fetchall(sql + " ORDER BY id", params)
    return [
        RepairPhoto(r["kind"], Photo(r["file_id"], r["path"]), from_db(r["added_at"])) for r in rows
    ]


async def count_same_place(
    db: Database | Tx, location: str, category: Category, since: datetime
) -> int:
    """Reports at this location in this category since ``since`` (rejected ones excluded:
    a report that was turned down was not a fault)."""
    key = location_key(location)
    if not key:
        return 0
    value = await db.fetchval(
        "SELECT COUNT(*) FROM repairs WHERE location_key = ? AND category = ?"
        " AND created_at >= ? AND state != 'rejected'",
        (key, category.value, to_db(since)),
    )
    return int(value or 0)


async def open_same_place(
    db: Database | Tx, location: str, category: Category, *, exclude_id: int
) -> int | None:
    """The oldest report still open at this location in this category (a likely
    duplicate of a new one), if any."""
    key = location_key(location)
    if not key:
        return None
    marks = ", ".join("?" for _ in OPEN_STATES)
    value = await db.fetchval(
        "SELECT id FROM repairs WHERE location_key = ? AND category = ? AND id != ?"
        f" AND state IN ({marks}) ORDER BY created_at, id LIMIT 1",
        (key, category.value, exclude_id, *OPEN_STATES),
    )
    return int(value) if value is not None else None


async def list_open(db: Database | Tx) -> list[RepairTicket]:
    marks = ", ".join("?" for _ in OPEN_STATES)
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM repairs WHERE state IN ({marks}) ORDER BY created_at, id",
        OPEN_STATES,
    )
    return [_ticket(r) for r in rows]


async def list_by_reporter(db: Database | Tx, user_id: int, limit: int = 20) -> list[RepairTicket]:
    """A reporter's reports: open ones first (oldest first), then the latest closed ones."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM repairs WHERE reporter_id = ?"
        " ORDER BY state IN ('verified', 'rejected'), CASE WHEN state IN ('verified', 'rejected')"
        " THEN -julianday(created_at) ELSE julianday(created_at) END, id LIMIT ?",
        (user_id, limit),
    )
    return [_ticket(r) for r in rows]


async def list_by_assignee(db: Database | Tx, user_id: int) -> list[RepairTicket]:
    marks = ", ".join("?" for _ in OPEN_STATES)
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM repairs WHERE assignee_id = ? AND state IN ({marks})"
        " ORDER BY created_at, id",
        (user_id, *OPEN_STATES),
    )
    return [_ticket(r) for r in rows]


async def reminder_sent(tx: Tx, repair_id: int, kind: str, since: datetime, period: int) -> bool:
    return bool(
        await tx.fetchval(
            "SELECT 1 FROM repair_reminders WHERE repair_id = ? AND kind = ? AND since = ?"
            " AND period = ?",
            (repair_id, kind, to_db(since), period),
        )
    )


async def count_reminders(tx: Tx, repair_id: int, kind: str, since: datetime) -> int:
    """How many reminders were sent for one deadline of one ticket."""
    return int(
        await tx.fetchval(
            "SELECT COUNT(*) FROM repair_reminders WHERE repair_id = ? AND kind = ? AND since = ?",
            (repair_id, kind, to_db(since)),
        )
        or 0
    )


async def mark_reminder(
    tx: Tx, repair_id: int, kind: str, since: datetime, period: int, now: datetime
) -> bool:
    """False when this reminder was already recorded (another run got there first)."""
    return (
        await tx.rowcount(
            "INSERT OR IGNORE INTO repair_reminders (repair_id, kind, since, period, sent_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (repair_id, kind, to_db(since), period, to_db(now)),
        )
        == 1
    )


async def mark_reporter_told(tx: Tx, repair_id: int, kind: str, now: datetime) -> bool:
    """False when the reporter was already told this report is late (at most once)."""
    return (
        await tx.rowcount(
            "INSERT OR IGNORE INTO repair_delay_notices (repair_id, kind, told_at)"
            " VALUES (?, ?, ?)",
            (repair_id, kind, to_db(now)),
        )
        == 1
    )
