"""Places, the aliases people typed, and pending imports. SQL only; the service owns the
transaction."""

from __future__ import annotations

import json
from datetime import datetime

from bot.clock import to_db
from bot.domain.places import NewPlace, Place
from bot.domain.repairs import RepairTicket, location_key
from storage.db import Database, Row, Tx

# The repairs repository's own row mapping, so a ticket reads the same everywhere.
from storage.repairs import _COLUMNS as REPAIR_COLUMNS
from storage.repairs import _ticket as repair_ticket

_COLUMNS = "id, code, building, floor, room"


def _place(r: Row) -> Place:
    return Place(r["id"], r["code"], r["building"], r["floor"], r["room"])


async def all_places(db: Database | Tx, building: str | None = None) -> list[Place]:
    if building:
        rows = await db.fetchall(
            f"SELECT {_COLUMNS} FROM places WHERE building = ? ORDER BY building, floor, room, id",
            (building,),
        )
    else:
        rows = await db.fetchall(
            f"SELECT {_COLUMNS} FROM places ORDER BY building, floor, room, id"
        )
    return [_place(r) for r in rows]


async def by_code(db: Database | Tx, code: str) -> Place | None:
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM places WHERE code = ?", (code,))
    return _place(row) if row else None


async def by_id(db: Database | Tx, place_id: int) -> Place | None:
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM places WHERE id = ?", (place_id,))
    return _place(row) if row else None


async def code_taken(tx: Tx, code: str) -> bool:
    return await tx.fetchval("SELECT 1 FROM places WHERE code = ?", (code,)) is not None


async def insert(tx: Tx, place: NewPlace, code: str, now: datetime) -> int | None:
    """The new place's id, or None if a place of that name exists already."""
    key = location_key(place.name)
    if await tx.fetchval("SELECT 1 FROM places WHERE name_key = ?", (key,)) is not None:
        return None
    return await tx.execute(
        "INSERT INTO places (code, building, floor, room, name_key, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (code, place.building, place.floor, place.room, key, to_db(now)),
    )


async def alias_place(db: Database | Tx, typed: str) -> int | None:
    """The place an admin mapped ``typed`` to, if any."""
    value = await db.fetchval(
        "SELECT place_id FROM place_aliases WHERE typed_key = ?", (location_key(typed),)
    )
    return int(value) if value is not None else None


async def note_unmatched(tx: Tx, typed: str, now: datetime) -> None:
    await tx.execute(
        "INSERT INTO place_aliases (typed_key, typed, first_seen) VALUES (?, ?, ?)"
        " ON CONFLICT (typed_key) DO UPDATE SET seen = seen + 1",
        (location_key(typed), typed, to_db(now)),
    )


async def map_alias(tx: Tx, typed: str, place_id: int, by: int, now: datetime) -> None:
    await tx.execute(
        "INSERT INTO place_aliases (typed_key, typed, place_id, first_seen, mapped_by)"
        " VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (typed_key) DO UPDATE SET place_id = excluded.place_id,"
        " mapped_by = excluded.mapped_by",
        (location_key(typed), typed, place_id, to_db(now), by),
    )


async def unmatched(db: Database | Tx, limit: int = 30) -> list[tuple[str, int]]:
    rows = await db.fetchall(
        "SELECT typed, seen FROM place_aliases WHERE place_id IS NULL"
        " ORDER BY seen DESC, first_seen LIMIT ?",
        (limit,),
    )
    return [(r["typed"], r["seen"]) for r in rows]


async def save_import(tx: Tx, by: int, places: list[NewPlace], now: datetime) -> int:
    rows = [[p.building, p.floor, p.room] for p in places]
    return await tx.execute(
        "INSERT INTO place_imports (by_id, rows_json, created_at) VALUES (?, ?, ?)",
        (by, json.dumps(rows, ensure_ascii=False), to_db(now)),
    )


async def take_import(tx: Tx, import_id: int, now: datetime) -> list[NewPlace] | None:
    """The rows of a pending import, marked done; None if unknown or done already."""
    row = await tx.fetchone(
        "SELECT rows_json FROM place_imports WHERE id = ? AND done_at IS NULL", (import_id,)
    )
    if row is None:
        return None
    await tx.execute("UPDATE place_imports SET done_at = ? WHERE id = ?", (to_db(now), import_id))
    return [NewPlace(b, f, r) for b, f, r in json.loads(row["rows_json"])]


async def repair_locations(db: Database | Tx) -> list[str]:
    rows = await db.fetchall("SELECT DISTINCT location FROM repairs WHERE location != ''")
    return [r["location"] for r in rows]


async def repairs_at(db: Database | Tx, locations: list[str]) -> list[RepairTicket]:
    """Every repair filed under one of ``locations``, newest first."""
    if not locations:
        return []
    marks = ", ".join("?" for _ in locations)
    rows = await db.fetchall(
        f"SELECT {REPAIR_COLUMNS} FROM repairs WHERE location IN ({marks})"
        " ORDER BY created_at DESC, id DESC",
        locations,
    )
    return [repair_ticket(r) for r in rows]
