"""Canteen workers, food-safety records and their entries, rotas, purchase checks (SQL only)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from bot.clock import from_db, to_db
from bot.domain.foodsafety import DEFAULT_TIMES, Duty, Entry, Health, Key, Kind, Times, Worker
from bot.domain.menus import Meal
from bot.domain.patrols import RosterEntry, RoundState
from storage.db import Database, Row, Tx

# ---------------------------------------------------------------- times

_TIMES_KEY = "foodsafety.times"


async def times(db: Database | Tx) -> Times:
    """The admin-set times (settings_kv), else the defaults; a damaged value is ignored."""
    raw = await db.fetchval("SELECT value FROM settings_kv WHERE key = ?", (_TIMES_KEY,))
    try:
        return Times(*(time.fromisoformat(v) for v in json.loads(raw))) if raw else DEFAULT_TIMES
    except (ValueError, TypeError):
        return DEFAULT_TIMES


async def set_times(tx: Tx, value: Times, *, now: datetime) -> None:
    text = json.dumps([t.isoformat(timespec="seconds") for t in value.as_list()])
    await tx.execute(
        "INSERT INTO settings_kv (key, value, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (_TIMES_KEY, text, to_db(now)),
    )


# ---------------------------------------------------------------- workers


def _worker(r: Row) -> Worker:
    expires = date.fromisoformat(r["cert_expires"]) if r["cert_expires"] else None
    return Worker(r["id"], r["name"], r["cert_no"], expires, r["flag_stage"], r["photo_path"])


async def workers(db: Database | Tx) -> list[Worker]:
    rows = await db.fetchall(
        "SELECT id, name, cert_no, cert_expires, flag_stage, photo_path FROM canteen_workers"
        " WHERE active = 1 ORDER BY id"
    )
    return [_worker(r) for r in rows]


async def all_workers(db: Database | Tx) -> dict[int, Worker]:
    """Every worker ever recorded (the 晨检 of last month may name someone who left)."""
    rows = await db.fetchall(
        "SELECT id, name, cert_no, cert_expires, flag_stage, photo_path FROM canteen_workers"
    )
    return {r["id"]: _worker(r) for r in rows}


async def save_worker(
    tx: Tx, name: str, cert_no: str | None, expires: date | None, *, now: datetime
) -> tuple[int, bool]:
    """Add a worker, or update the certificate of the active one with that name (a renewed
    certificate starts its reminders again). Returns (id, created)."""
    found = await tx.fetchval(
        "SELECT id FROM canteen_workers WHERE name = ? AND active = 1", (name,)
    )
    if found is None:
        new_id = await tx.execute(
            "INSERT INTO canteen_workers (name, cert_no, cert_expires, created_at)"
            " VALUES (?, ?, ?, ?)",
            (name, cert_no, expires.isoformat() if expires else None, to_db(now)),
        )
        return new_id, True
    await tx.execute(
        "UPDATE canteen_workers SET cert_no = COALESCE(?, cert_no),"
        " cert_expires = COALESCE(?, cert_expires),"
        " flag_stage = CASE WHEN ? IS NULL THEN flag_stage ELSE 0 END WHERE id = ?",
        (
            cert_no,
            expires.isoformat() if expires else None,
            expires.isoformat() if expires else None,
            found,
        ),
    )
    return int(found), False


async def remove_worker(tx: Tx, name: str) -> bool:
    return (
        await tx.rowcount(
            "UPDATE canteen_workers SET active = 0 WHERE name = ? AND active = 1", (name,)
        )
        > 0
    )


async def set_worker_photo(tx: Tx, worker_id: int, file_id: str | None, path: str | None) -> None:
    await tx.execute(
        "UPDATE canteen_workers SET photo_file_id = ?, photo_path = ? WHERE id = ?",
        (file_id, path, worker_id),
    )


async def set_flag_stage(tx: Tx, worker_id: int, stage: int) -> None:
    await tx.execute("UPDATE canteen_workers SET flag_stage = ? WHERE id = ?", (stage, worker_id))


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Record:
    id: int
    kind: Kind
    day: date
    meal: Meal | None
    at: datetime  # aware UTC
    state: RoundState
    done_at: datetime | None
    done_by: int | None
    done_by_name: str | None
    data: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    photo_file_id: str | None = None
    photo_path: str | None = None
    discard_sent_at: datetime | None = None
    discarded_at: datetime | None = None
    discarded_by_name: str | None = None

    @property
    def key(self) -> Key:
        return Key(self.kind, self.day, self.meal)


_SELECT = (
    "SELECT r.*, p.name AS done_by_name, d.name AS discarded_by_name FROM fs_records r"
    " LEFT JOIN people p ON p.user_id = r.done_by"
    " LEFT JOIN people d ON d.user_id = r.discarded_by"
)


def _opt(text: str | None) -> datetime | None:
    return from_db(text) if text else None


def _record(r: Row) -> Record:
    return Record(
        r["id"],
        Kind(r["kind"]),
        date.fromisoformat(r["day"]),
        Meal(r["meal"]) if r["meal"] else None,
        from_db(r["scheduled_at"]),
        RoundState(r["state"]),
        _opt(r["done_at"]),
        r["done_by"],
        r["done_by_name"],
        json.loads(r["data"] or "{}"),
        r["note"],
        r["photo_file_id"],
        r["photo_path"],
        _opt(r["discard_sent_at"]),
        _opt(r["discarded_at"]),
        r["discarded_by_name"],
    )


async def create_record(
    tx: Tx, kind: Kind, day: date, meal: Meal | None, at: datetime, now: datetime
) -> int | None:
    """None when the (kind, day, meal) record exists already: never sent twice."""
    before = await tx.fetchval("SELECT total_changes()")
    record_id = await tx.execute(
        "INSERT OR IGNORE INTO fs_records (kind, day, meal, scheduled_at, sent_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (kind.value, day.isoformat(), meal.value if meal else "", to_db(at), to_db(now)),
    )
    after = await tx.fetchval("SELECT total_changes()")
    return record_id if after != before else None


async def get(db: Database | Tx, record_id: int) -> Record | None:
    row = await db.fetchone(f"{_SELECT} WHERE r.id = ?", (record_id,))
    return _record(row) if row else None


async def keys(db: Database | Tx, days: list[date]) -> list[Key]:
    marks = ", ".join("?" for _ in days)
    rows = await db.fetchall(
        f"SELECT kind, day, meal FROM fs_records WHERE day IN ({marks})",
        [d.isoformat() for d in days],
    )
    return [
        Key(Kind(r["kind"]), date.fromisoformat(r["day"]), Meal(r["meal"]) if r["meal"] else None)
        for r in rows
    ]


async def waiting(db: Database | Tx) -> list[Record]:
    rows = await db.fetchall(f"{_SELECT} WHERE r.state IN ('sent', 'reminded') ORDER BY r.id")
    return [_record(r) for r in rows]


async def between(db: Database | Tx, first: date, end: date) -> list[Record]:
    rows = await db.fetchall(
        f"{_SELECT} WHERE r.day >= ? AND r.day < ? ORDER BY r.day, r.scheduled_at, r.id",
        (first.isoformat(), end.isoformat()),
    )
    return [_record(r) for r in rows]


async def mark_reminded(tx: Tx, record_id: int, now: datetime) -> bool:
    return (
        await tx.rowcount(
            "UPDATE fs_records SET state = 'reminded', reminded_at = ?"
            " WHERE id = ? AND state = 'sent'",
            (to_db(now), record_id),
        )
        > 0
    )


async def mark_missed(tx: Tx, record_id: int, now: datetime) -> bool:
    return (
        await tx.rowcount(
            "UPDATE fs_records SET state = 'missed', missed_at = ?"
            " WHERE id = ? AND state IN ('sent', 'reminded')",
            (to_db(now), record_id),
        )
        > 0
    )


async def mark_done(tx: Tx, record_id: int, state: RoundState, *, by: int, now: datetime) -> bool:
    return (
        await tx.rowcount(
            "UPDATE fs_records SET state = ?, done_at = ?, done_by = ?"
            " WHERE id = ? AND state IN ('sent', 'reminded', 'missed')",
            (state.value, to_db(now), by, record_id),
        )
        > 0
    )


async def set_data(tx: Tx, record_id: int, data: dict[str, Any]) -> None:
    await tx.execute(
        "UPDATE fs_records SET data = ? WHERE id = ?",
        (json.dumps(data, ensure_ascii=False), record_id),
    )


async def set_record_note(
    tx: Tx, record_id: int, note: str | None, file_id: str | None, path: str | None
) -> None:
    await tx.execute(
        "UPDATE fs_records SET note = COALESCE(?, note),"
        " photo_file_id = COALESCE(?, photo_file_id),"
        " photo_path = COALESCE(?, photo_path) WHERE id = ?",
        (note, file_id, path, record_id),
    )


async def samples_to_discard(db: Database | Tx, kept_before: datetime) -> list[Record]:
    """留样 records whose samples were kept before ``kept_before`` and not yet announced."""
    rows = await db.fetchall(
        f"{_SELECT} WHERE r.kind = 'sample' AND r.discard_sent_at IS NULL"
        " AND r.discarded_at IS NULL AND r.scheduled_at <= ?"
        " AND EXISTS (SELECT 1 FROM fs_entries e WHERE e.record_id = r.id"
        " AND (e.photo_file_id IS NOT NULL OR e.photo_path IS NOT NULL)) ORDER BY r.id",
        (to_db(kept_before),),
    )
    return [_record(r) for r in rows]


async def mark_discard_sent(tx: Tx, record_id: int, now: datetime) -> bool:
    return (
        await tx.rowcount(
            "UPDATE fs_records SET discard_sent_at = ? WHERE id = ? AND discard_sent_at IS NULL",
            (to_db(now), record_id),
        )
        > 0
    )


async def mark_discarded(tx: Tx, record_id: int, *, by: int, now: datetime) -> bool:
    return (
        await tx.rowcount(
            "UPDATE fs_records SET discarded_at = ?, discarded_by = ?"
            " WHERE id = ? AND discarded_at IS NULL",
            (to_db(now), by, record_id),
        )
        > 0
    )


async def add_people(tx: Tx, record_id: int, user_ids: list[int]) -> None:
    await tx.executemany(
        "INSERT OR IGNORE INTO fs_record_people (record_id, user_id) VALUES (?, ?)",
        [(record_id, u) for u in user_ids],
    )


async def record_people(db: Database | Tx, record_id: int) -> list[tuple[int, str]]:
    rows = await db.fetchall(
        "SELECT rp.user_id, p.name FROM fs_record_people rp JOIN people p ON p.user_id = rp.user_id"
        " WHERE rp.record_id = ? ORDER BY rp.user_id",
        (record_id,),
    )
    return [(r["user_id"], r["name"]) for r in rows]


async def messages(db: Database | Tx, record_id: int) -> list[tuple[int, int]]:
    """Every (chat, message) showing this record's checklist, to edit them in place."""
    rows = await db.fetchall(
        "SELECT chat_id, MAX(message_id) AS message_id FROM sent_messages WHERE ref = ?"
        " GROUP BY chat_id, outbox_id",
        (f"fs:{record_id}",),
    )
    return [(r["chat_id"], r["message_id"]) for r in rows]


# ---------------------------------------------------------------- entries


_ENTRY_SELECT = (
    "SELECT e.*, p.name AS updated_by_name FROM fs_entries e"
    " LEFT JOIN people p ON p.user_id = e.updated_by"
)


def _entry(r: Row) -> Entry:
    return Entry(
        r["id"],
        r["position"],
        r["label"],
        r["worker_id"],
        Health(r["status"]),
        r["note"],
        r["photo_file_id"],
        r["photo_path"],
        bool(r["weighed"]),
        r["updated_by_name"],
        _opt(r["updated_at"]),
    )


async def add_entries(tx: Tx, record_id: int, labels: list[tuple[str, int | None]]) -> None:
    await tx.executemany(
        "INSERT INTO fs_entries (record_id, position, label, worker_id) VALUES (?, ?, ?, ?)",
        [(record_id, pos, label, worker) for pos, (label, worker) in enumerate(labels, start=1)],
    )


async def entries(db: Database | Tx, record_id: int) -> list[Entry]:
    rows = await db.fetchall(
        f"{_ENTRY_SELECT} WHERE e.record_id = ? ORDER BY e.position", (record_id,)
    )
    return [_entry(r) for r in rows]


async def entries_for(db: Database | Tx, record_ids: list[int]) -> dict[int, list[Entry]]:
    if not record_ids:
        return {}
    marks = ", ".join("?" for _ in record_ids)
    rows = await db.fetchall(
        f"{_ENTRY_SELECT} WHERE e.record_id IN ({marks}) ORDER BY e.record_id, e.position",
        record_ids,
    )
    result: dict[int, list[Entry]] = {}
    for r in rows:
        result.setdefault(r["record_id"], []).append(_entry(r))
    return result


async def get_entry(db: Database | Tx, entry_id: int) -> tuple[int, Entry] | None:
    row = await db.fetchone(f"{_ENTRY_SELECT} WHERE e.id = ?", (entry_id,))
    return (row["record_id"], _entry(row)) if row else None


async def set_status(
    tx: Tx, record_id: int, position: int, status: Health, *, by: int, now: datetime
) -> bool:
    """Setting a status other than 有症状 clears a symptom noted before."""
    return (
        await tx.rowcount(
            "UPDATE fs_entries SET status = ?, note = CASE WHEN ? = 'unwell' THEN note END,"
            " updated_by = ?, updated_at = ? WHERE record_id = ? AND position = ?",
            (status.value, status.value, by, to_db(now), record_id, position),
        )
        > 0
    )


async def set_unchecked_healthy(tx: Tx, record_id: int, *, by: int, now: datetime) -> int:
    return await tx.rowcount(
        "UPDATE fs_entries SET status = 'healthy', updated_by = ?, updated_at = ?"
        " WHERE record_id = ? AND status = ''",
        (by, to_db(now), record_id),
    )


async def set_entry_note(tx: Tx, entry_id: int, note: str, *, by: int, now: datetime) -> None:
    await tx.execute(
        "UPDATE fs_entries SET note = ?, updated_by = ?, updated_at = ? WHERE id = ?",
        (note, by, to_db(now), entry_id),
    )


async def set_weighed(
    tx: Tx, record_id: int, position: int | None, weighed: bool, *, by: int, now: datetime
) -> int:
    """One dish, or (position None) every dish."""
    return await tx.rowcount(
        "UPDATE fs_entries SET weighed = ?, updated_by = ?, updated_at = ?"
        " WHERE record_id = ? AND (? IS NULL OR position = ?)",
        (int(weighed), by, to_db(now), record_id, position, position),
    )


async def set_entry_photo(
    tx: Tx, entry_id: int, file_id: str | None, path: str | None, *, by: int, now: datetime
) -> None:
    await tx.execute(
        "UPDATE fs_entries SET photo_file_id = ?, photo_path = ?, updated_by = ?, updated_at = ?"
        " WHERE id = ?",
        (file_id, path, by, to_db(now), entry_id),
    )


# ---------------------------------------------------------------- rotas


async def roster(
    db: Database | Tx, duty: Duty, *, from_day: date | None = None
) -> list[RosterEntry]:
    since = from_day.isoformat() if from_day else None
    rows = await db.fetchall(
        "SELECT id, user_id, weekday, day FROM fs_rosters WHERE duty = ?"
        " AND (day IS NULL OR ? IS NULL OR day >= ?) ORDER BY weekday, day, id",
        (duty.value, since, since),
    )
    return [
        RosterEntry(
            r["id"], r["user_id"], r["weekday"], date.fromisoformat(r["day"]) if r["day"] else None
        )
        for r in rows
    ]


async def clear_roster_key(tx: Tx, duty: Duty, key: int | date) -> None:
    if isinstance(key, date):
        await tx.execute(
            "DELETE FROM fs_rosters WHERE duty = ? AND day = ?", (duty.value, key.isoformat())
        )
    else:
        await tx.execute("DELETE FROM fs_rosters WHERE duty = ? AND weekday = ?", (duty.value, key))


async def add_roster(
    tx: Tx, duty: Duty, key: int | date, user_id: int, *, by: int, now: datetime
) -> None:
    weekday, day = (None, key.isoformat()) if isinstance(key, date) else (key, None)
    await tx.execute(
        "INSERT OR IGNORE INTO fs_rosters (duty, weekday, day, user_id, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (duty.value, weekday, day, user_id, by, to_db(now)),
    )


# ---------------------------------------------------------------- purchase checks


async def add_purchase_check(tx: Tx, purchase_id: int, user_id: int, now: datetime) -> bool:
    before = await tx.fetchval("SELECT total_changes()")
    await tx.execute(
        "INSERT OR IGNORE INTO fs_purchase_checks (purchase_id, user_id, checked_at)"
        " VALUES (?, ?, ?)",
        (purchase_id, user_id, to_db(now)),
    )
    return bool(await tx.fetchval("SELECT total_changes()") != before)


@dataclass(frozen=True)
class PurchaseCheck:
    purchase_id: int
    name: str
    at: datetime


async def purchase_checks(
    db: Database | Tx, purchase_ids: list[int]
) -> dict[int, list[PurchaseCheck]]:
    if not purchase_ids:
        return {}
    marks = ", ".join("?" for _ in purchase_ids)
    rows = await db.fetchall(
        "SELECT c.purchase_id, p.name, c.checked_at FROM fs_purchase_checks c"
        f" JOIN people p ON p.user_id = c.user_id WHERE c.purchase_id IN ({marks})"
        " ORDER BY c.checked_at",
        purchase_ids,
    )
    result: dict[int, list[PurchaseCheck]] = {}
    for r in rows:
        result.setdefault(r["purchase_id"], []).append(
            PurchaseCheck(r["purchase_id"], r["name"], from_db(r["checked_at"]))
        )
    return result
