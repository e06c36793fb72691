"""Patrol items, times, roster, holidays, rounds and their checks (SQL only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from bot.clock import from_db, to_db
from bot.domain.patrols import (
    DEFAULT_ITEMS,
    SLOTS,
    Check,
    Holiday,
    ItemState,
    RosterEntry,
    RoundKey,
    RoundState,
    Slot,
)
from storage.db import Database, Row, Tx

# ---------------------------------------------------------------- items


@dataclass(frozen=True)
class Item:
    id: int
    slot: Slot
    position: int
    text: str


async def seed_default_items(tx: Tx, now: datetime) -> bool:
    """Put the default checklists in once; removed items stay as inactive rows, so an
    admin who empties a checklist does not get the defaults back."""
    if await tx.fetchval("SELECT COUNT(*) FROM patrol_items"):
        return False
    for slot in SLOTS:
        for pos, text in enumerate(DEFAULT_ITEMS[slot], start=1):
            await tx.execute(
                "INSERT INTO patrol_items (slot, position, text, created_at) VALUES (?, ?, ?, ?)",
                (slot.value, pos, text, to_db(now)),
            )
    return True


async def items(db: Database | Tx, slot: Slot) -> list[Item]:
    rows = await db.fetchall(
        "SELECT id, slot, position, text FROM patrol_items WHERE slot = ? AND active = 1"
        " ORDER BY position, id",
        (slot.value,),
    )
    return [Item(r["id"], Slot(r["slot"]), r["position"], r["text"]) for r in rows]


async def add_item(tx: Tx, slot: Slot, text: str, now: datetime) -> int:
    pos = await tx.fetchval(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM patrol_items WHERE slot = ?", (slot.value,)
    )
    return await tx.execute(
        "INSERT INTO patrol_items (slot, position, text, created_at) VALUES (?, ?, ?, ?)",
        (slot.value, int(pos), text, to_db(now)),
    )


async def deactivate_item(tx: Tx, item_id: int) -> bool:
    return (
        await tx.rowcount(
            "UPDATE patrol_items SET active = 0 WHERE id = ? AND active = 1", (item_id,)
        )
        > 0
    )


# ---------------------------------------------------------------- times


async def time_overrides(db: Database | Tx) -> dict[Slot, time]:
    rows = await db.fetchall("SELECT slot, at FROM patrol_times")
    result = {}
    for r in rows:
        try:
            result[Slot(r["slot"])] = time.fromisoformat(r["at"])
        except ValueError:  # an unknown slot or a damaged value: ignore, use the default
            continue
    return result


async def set_times(tx: Tx, times: dict[Slot, time], *, by: int, now: datetime) -> None:
    for slot, at in times.items():
        await tx.execute(
            "INSERT INTO patrol_times (slot, at, updated_by, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(slot) DO UPDATE SET at = excluded.at,"
            " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            (slot.value, at.isoformat(timespec="seconds"), by, to_db(now)),
        )


# ---------------------------------------------------------------- roster


def _roster(r: Row) -> RosterEntry:
    return RosterEntry(
        r["id"], r["user_id"], r["weekday"], date.fromisoformat(r["day"]) if r["day"] else None
    )


async def roster(db: Database | Tx, *, from_day: date | None = None) -> list[RosterEntry]:
    """Weekday entries and date entries (from ``from_day`` on, if given)."""
    rows = await db.fetchall(
        "SELECT id, user_id, weekday, day FROM patrol_roster"
        " WHERE day IS NULL OR ? IS NULL OR day >= ? ORDER BY weekday, day, id",
        (from_day.isoformat() if from_day else None, from_day.isoformat() if from_day else None),
    )
    return [_roster(r) for r in rows]


async def clear_roster_key(tx: Tx, key: int | date) -> int:
    if isinstance(key, date):
        return await tx.rowcount("DELETE FROM patrol_roster WHERE day = ?", (key.isoformat(),))
    return await tx.rowcount("DELETE FROM patrol_roster WHERE weekday = ?", (key,))


async def add_roster(tx: Tx, key: int | date, user_id: int, *, by: int, now: datetime) -> None:
    weekday, day = (None, key.isoformat()) if isinstance(key, date) else (key, None)
    await tx.execute(
        "INSERT OR IGNORE INTO patrol_roster (weekday, day, user_id, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (weekday, day, user_id, by, to_db(now)),
    )


# ---------------------------------------------------------------- holidays


async def holidays(db: Database | Tx) -> list[Holiday]:
    rows = await db.fetchall(
        "SELECT id, first_day, last_day FROM patrol_holidays ORDER BY first_day, id"
    )
    return [
        Holiday(r["id"], date.fromisoformat(r["first_day"]), date.fromisoformat(r["last_day"]))
        for r in rows
    ]


async def add_holiday(tx: Tx, first: date, last: date, *, by: int, now: datetime) -> int:
    return await tx.execute(
        "INSERT INTO patrol_holidays (first_day, last_day, created_by, created_at)"
        " VALUES (?, ?, ?, ?)",
        (first.isoformat(), last.isoformat(), by, to_db(now)),
    )


async def remove_holiday(tx: Tx, holiday_id: int) -> bool:
    return await tx.rowcount("DELETE FROM patrol_holidays WHERE id = ?", (holiday_id,)) > 0


# ---------------------------------------------------------------- rounds


@dataclass(frozen=True)
class Round:
    id: int
    day: date
    slot: Slot
    at: datetime  # aware UTC
    state: RoundState
    sent_at: datetime
    reminded_at: datetime | None
    missed_at: datetime | None
    submitted_at: datetime | None
    submitted_by: int | None
    submitted_by_name: str | None = None


_ROUND_SELECT = (
    "SELECT r.id, r.day, r.slot, r.scheduled_at, r.state, r.sent_at, r.reminded_at,"
    " r.missed_at, r.submitted_at, r.submitted_by, p.name AS submitted_by_name"
    " FROM patrol_rounds r LEFT JOIN people p ON p.user_id = r.submitted_by"
)


def _opt(text: str | None) -> datetime | None:
    return from_db(text) if text else None


def _round(r: Row) -> Round:
    return Round(
        r["id"],
        date.fromisoformat(r["day"]),
        Slot(r["slot"]),
        from_db(r["scheduled_at"]),
        RoundState(r["state"]),
        from_db(r["sent_at"]),
        _opt(r["reminded_at"]),
        _opt(r["missed_at"]),
        _opt(r["submitted_at"]),
        r["submitted_by"],
        r["submitted_by_name"],
    )


async def create_round(tx: Tx, day: date, slot: Slot, at: datetime, now: datetime) -> int | None:
    """Insert the (day, slot) round; None when it already exists (sent before a restart,
    or by the other of two jobs racing for it)."""
    exists = await tx.fetchval(
        "SELECT id FROM patrol_rounds WHERE day = ? AND slot = ?", (day.isoformat(), slot.value)
    )
    if exists:
        return None
    return await tx.execute(
        "INSERT INTO patrol_rounds (day, slot, scheduled_at, state, sent_at)"
        " VALUES (?, ?, ?, 'sent', ?)",
        (day.isoformat(), slot.value, to_db(at), to_db(now)),
    )


async def round_keys(db: Database | Tx, days: list[date]) -> list[RoundKey]:
    marks = ",".join("?" * len(days))
    rows = await db.fetchall(
        f"SELECT day, slot FROM patrol_rounds WHERE day IN ({marks})",
        [d.isoformat() for d in days],
    )
    return [RoundKey(date.fromisoformat(r["day"]), Slot(r["slot"])) for r in rows]


async def get_round(db: Database | Tx, round_id: int) -> Round | None:
    row = await db.fetchone(_ROUND_SELECT + " WHERE r.id = ?", (round_id,))
    return _round(row) if row else None


async def rounds_between(db: Database | Tx, first: date, end: date) -> list[Round]:
    """Rounds with first <= day < end, in time order."""
    rows = await db.fetchall(
        _ROUND_SELECT + " WHERE r.day >= ? AND r.day < ? ORDER BY r.scheduled_at, r.id",
        (first.isoformat(), end.isoformat()),
    )
    return [_round(r) for r in rows]


async def waiting_rounds(db: Database | Tx) -> list[Round]:
    rows = await db.fetchall(
        _ROUND_SELECT + " WHERE r.state IN ('sent', 'reminded') ORDER BY r.scheduled_at"
    )
    return [_round(r) for r in rows]


async def mark_reminded(tx: Tx, round_id: int, now: datetime) -> bool:
    return (
        await tx.rowcount(
            "UPDATE patrol_rounds SET state = 'reminded', reminded_at = ?"
            " WHERE id = ? AND state = 'sent'",
            (to_db(now), round_id),
        )
        > 0
    )


async def mark_missed(tx: Tx, round_id: int, now: datetime) -> bool:
    return (
        await tx.rowcount(
            "UPDATE patrol_rounds SET state = 'missed', missed_at = ?"
            " WHERE id = ? AND state IN ('sent', 'reminded')",
            (to_db(now), round_id),
        )
        > 0
    )


async def mark_submitted(
    tx: Tx, round_id: int, state: RoundState, *, by: int, now: datetime
) -> bool:
    """Compare-and-set: only an open round can be submitted, so a double tap does nothing."""
    return (
        await tx.rowcount(
            "UPDATE patrol_rounds SET state = ?, submitted_at = ?, submitted_by = ?"
            " WHERE id = ? AND state IN ('sent', 'reminded', 'missed')",
            (state.value, to_db(now), by, round_id),
        )
        > 0
    )


async def add_round_people(tx: Tx, round_id: int, user_ids: list[int]) -> None:
    await tx.executemany(
        "INSERT OR IGNORE INTO patrol_round_people (round_id, user_id) VALUES (?, ?)",
        [(round_id, u) for u in user_ids],
    )


async def round_people(db: Database | Tx, round_id: int) -> list[tuple[int, str]]:
    rows = await db.fetchall(
        "SELECT rp.user_id, p.name FROM patrol_round_people rp"
        " JOIN people p ON p.user_id = rp.user_id WHERE rp.round_id = ? ORDER BY p.name",
        (round_id,),
    )
    return [(r["user_id"], r["name"]) for r in rows]


async def checklist_messages(db: Database | Tx, round_id: int) -> list[tuple[int, int]]:
    """(chat_id, message_id) of every checklist message sent for the round."""
    rows = await db.fetchall(
        "SELECT chat_id, message_id FROM sent_messages WHERE ref = ? ORDER BY sent_at",
        (f"patrol:{round_id}",),
    )
    return [(r["chat_id"], r["message_id"]) for r in rows]


# ---------------------------------------------------------------- checks


def _check(r: Row) -> Check:
    return Check(
        r["id"],
        r["position"],
        r["item"],
        ItemState(r["state"]),
        r["note"],
        r["photo_file_id"],
        r["photo_path"],
        r["repair_id"],
        checked_by=r["checked_by"],
        checked_by_name=r["checked_by_name"],
        checked_at=_opt(r["checked_at"]),
    )


_CHECK_SELECT = (
    "SELECT c.id, c.round_id, c.position, c.item, c.state, c.note, c.photo_file_id,"
    " c.photo_path, c.repair_id, c.checked_by, p.name AS checked_by_name, c.checked_at"
    " FROM patrol_checks c LEFT JOIN people p ON p.user_id = c.checked_by"
)


async def add_checks(tx: Tx, round_id: int, texts: list[str]) -> None:
    await tx.executemany(
        "INSERT INTO patrol_checks (round_id, position, item) VALUES (?, ?, ?)",
        [(round_id, pos, text) for pos, text in enumerate(texts, start=1)],
    )


async def checks(db: Database | Tx, round_id: int) -> list[Check]:
    rows = await db.fetchall(
        _CHECK_SELECT + " WHERE c.round_id = ? ORDER BY c.position", (round_id,)
    )
    return [_check(r) for r in rows]


async def checks_for_rounds(db: Database | Tx, round_ids: list[int]) -> dict[int, list[Check]]:
    if not round_ids:
        return {}
    marks = ",".join("?" * len(round_ids))
    rows = await db.fetchall(
        _CHECK_SELECT + f" WHERE c.round_id IN ({marks}) ORDER BY c.round_id, c.position", round_ids
    )
    result: dict[int, list[Check]] = {rid: [] for rid in round_ids}
    for r in rows:
        result[r["round_id"]].append(_check(r))
    return result


async def get_check(db: Database | Tx, check_id: int) -> tuple[int, Check] | None:
    """(round id, check)."""
    row = await db.fetchone(_CHECK_SELECT + " WHERE c.id = ?", (check_id,))
    return (row["round_id"], _check(row)) if row else None


async def set_check_state(
    tx: Tx, round_id: int, position: int, state: ItemState, *, by: int, now: datetime
) -> None:
    """The tap credits ``by`` with the item at ``now``; back at 未查 nobody has checked it."""
    ticked = state is not ItemState.UNCHECKED
    await tx.execute(
        "UPDATE patrol_checks SET state = ?, checked_by = ?, checked_at = ?, updated_at = ?"
        " WHERE round_id = ? AND position = ?",
        (
            state.value,
            by if ticked else None,
            to_db(now) if ticked else None,
            to_db(now),
            round_id,
            position,
        ),
    )


async def set_unchecked_ok(tx: Tx, round_id: int, *, by: int, now: datetime) -> int:
    return await tx.rowcount(
        "UPDATE patrol_checks SET state = 'ok', checked_by = ?, checked_at = ?, updated_at = ?"
        " WHERE round_id = ? AND state = 'unchecked'",
        (by, to_db(now), to_db(now), round_id),
    )


async def set_note(tx: Tx, check_id: int, note: str, *, now: datetime) -> None:
    """The note leaves the item's credit with whoever ticked it (the audit trail names the
    note's author)."""
    await tx.execute(
        "UPDATE patrol_checks SET note = ?, updated_at = ? WHERE id = ?",
        (note, to_db(now), check_id),
    )


async def set_photo(
    tx: Tx, check_id: int, file_id: str | None, path: str | None, *, now: datetime
) -> None:
    await tx.execute(
        "UPDATE patrol_checks SET photo_file_id = ?, photo_path = ?, updated_at = ? WHERE id = ?",
        (file_id, path, to_db(now), check_id),
    )


async def set_repair(tx: Tx, check_id: int, repair_id: int) -> None:
    await tx.execute("UPDATE patrol_checks SET repair_id = ? WHERE id = ?", (repair_id, check_id))
