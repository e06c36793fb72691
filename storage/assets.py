"""The asset register, links from assets to repairs, and stocktakes. SQL only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bot.clock import from_db, to_db
from bot.domain.assets import Asset, Check, NewAsset
from bot.domain.repairs import Category, RepairTicket
from storage.db import Database, Row, Tx

# The repairs repository's own row mapping, so a ticket reads the same everywhere.
from storage.repairs import _COLUMNS as REPAIR_COLUMNS
from storage.repairs import _ticket as repair_ticket

_ASSET = "id, tag, name, category, place, bought, value"


def _asset(r: Row) -> Asset:
    return Asset(
        r["id"], r["tag"], r["name"], Category(r["category"]), r["place"], r["bought"],
        Decimal(r["value"]) if r["value"] is not None else None,
    )  # fmt: skip


async def insert(tx: Tx, new: NewAsset, now: datetime) -> int | None:
    if await tx.fetchval("SELECT 1 FROM assets WHERE tag = ?", (new.tag,)) is not None:
        return None
    return await tx.execute(
        "INSERT INTO assets (tag, name, category, place, bought, value, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            new.tag, new.name, new.category.value, new.place, new.bought,
            str(new.value) if new.value is not None else None, to_db(now),
        ),
    )  # fmt: skip


async def all_assets(db: Database | Tx) -> list[Asset]:
    rows = await db.fetchall(f"SELECT {_ASSET} FROM assets ORDER BY place, tag")
    return [_asset(r) for r in rows]


async def by_tag(db: Database | Tx, tag: str) -> Asset | None:
    row = await db.fetchone(f"SELECT {_ASSET} FROM assets WHERE tag = ?", (tag,))
    return _asset(row) if row else None


async def by_id(db: Database | Tx, asset_id: int) -> Asset | None:
    row = await db.fetchone(f"SELECT {_ASSET} FROM assets WHERE id = ?", (asset_id,))
    return _asset(row) if row else None


async def at_place(db: Database | Tx, place: str) -> list[Asset]:
    rows = await db.fetchall(f"SELECT {_ASSET} FROM assets WHERE place = ? ORDER BY tag", (place,))
    return [_asset(r) for r in rows]


async def in_building(db: Database | Tx, building: str) -> list[Asset]:
    """Assets whose place is in ``building`` (「教学楼 302教室」 or typed 「教学楼302」)."""
    rows = await db.fetchall(
        f"SELECT {_ASSET} FROM assets WHERE place = ? OR substr(place, 1, ?) = ?"
        " ORDER BY place, tag",
        (building, len(building), building),
    )
    return [_asset(r) for r in rows]


async def link_repair(tx: Tx, asset_id: int, repair_id: int) -> None:
    await tx.execute(
        "INSERT OR IGNORE INTO asset_repairs (asset_id, repair_id) VALUES (?, ?)",
        (asset_id, repair_id),
    )


async def repairs_of(db: Database | Tx, asset_id: int) -> list[RepairTicket]:
    columns = ", ".join(f"r.{c.strip()}" for c in REPAIR_COLUMNS.split(","))
    rows = await db.fetchall(
        f"SELECT {columns} FROM repairs r JOIN asset_repairs a ON a.repair_id = r.id"
        " WHERE a.asset_id = ? ORDER BY r.created_at DESC",
        (asset_id,),
    )
    return [repair_ticket(r) for r in rows]


async def start_stocktake(tx: Tx, building: str, by_id: int, by_name: str, now: datetime) -> int:
    return await tx.execute(
        "INSERT INTO stocktakes (building, by_id, by_name, started_at) VALUES (?, ?, ?, ?)",
        (building, by_id, by_name, to_db(now)),
    )


async def stocktake_building(db: Database | Tx, stocktake_id: int) -> str | None:
    value = await db.fetchval("SELECT building FROM stocktakes WHERE id = ?", (stocktake_id,))
    return str(value) if value is not None else None


async def latest_stocktake(db: Database | Tx) -> int | None:
    value = await db.fetchval("SELECT MAX(id) FROM stocktakes")
    return int(value) if value is not None else None


async def record_check(
    tx: Tx, stocktake_id: int, asset_id: int, result: Check, by_name: str, now: datetime,
    repair_id: int | None = None,
) -> None:  # fmt: skip
    await tx.execute(
        "INSERT INTO stocktake_items (stocktake_id, asset_id, result, repair_id, by_name, at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (stocktake_id, asset_id) DO UPDATE SET"
        " result = excluded.result, by_name = excluded.by_name, at = excluded.at,"
        " repair_id = COALESCE(excluded.repair_id, stocktake_items.repair_id)",
        (stocktake_id, asset_id, result.value, repair_id, by_name, to_db(now)),
    )


async def add_note(
    tx: Tx, stocktake_id: int, asset_id: int, note: str | None, photo: str | None
) -> bool:
    changed = await tx.rowcount(
        "UPDATE stocktake_items SET note = COALESCE(?, note), photo = COALESCE(?, photo)"
        " WHERE stocktake_id = ? AND asset_id = ?",
        (note, photo, stocktake_id, asset_id),
    )
    return changed == 1


@dataclass(frozen=True)
class Checked:
    asset_id: int
    result: Check
    repair_id: int | None
    by_name: str
    at: datetime
    note: str | None = None
    photo: str | None = None


async def checks(db: Database | Tx, stocktake_id: int) -> dict[int, Checked]:
    rows = await db.fetchall(
        "SELECT asset_id, result, repair_id, by_name, at, note, photo FROM stocktake_items"
        " WHERE stocktake_id = ?",
        (stocktake_id,),
    )
    return {
        r["asset_id"]: Checked(
            r["asset_id"],
            Check(r["result"]),
            r["repair_id"],
            r["by_name"],
            from_db(r["at"]),
            r["note"],
            r["photo"],
        )
        for r in rows
    }


async def save_import(tx: Tx, by: int, assets: list[NewAsset], now: datetime) -> int:
    rows = [
        [a.tag, a.name, a.category.value, a.place, a.bought, str(a.value) if a.value else None]
        for a in assets
    ]
    return await tx.execute(
        "INSERT INTO asset_imports (by_id, rows_json, created_at) VALUES (?, ?, ?)",
        (by, json.dumps(rows, ensure_ascii=False), to_db(now)),
    )


async def take_import(tx: Tx, import_id: int, now: datetime) -> list[NewAsset] | None:
    row = await tx.fetchone(
        "SELECT rows_json FROM asset_imports WHERE id = ? AND done_at IS NULL", (import_id,)
    )
    if row is None:
        return None
    await tx.execute("UPDATE asset_imports SET done_at = ? WHERE id = ?", (to_db(now), import_id))
    return [
        NewAsset(tag, name, Category(category), place, bought, Decimal(value) if value else None)
        for tag, name, category, place, bought, value in json.loads(row["rows_json"])
    ]
