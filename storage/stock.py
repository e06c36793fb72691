"""Stock items, their movements and requisitions. SQL only; the service owns the
transaction. Decimals are stored as text so nothing is rounded on the way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bot.clock import from_db, to_db
from bot.domain.stock import StockItem, StockMove
from storage.db import Database, Row, Tx

_ITEM = "id, name, unit, quantity, unit_cost, minimum, alerted"


def _item(r: Row) -> StockItem:
    return StockItem(
        id=r["id"],
        name=r["name"],
        unit=r["unit"],
        quantity=Decimal(r["quantity"]),
        unit_cost=Decimal(r["unit_cost"]) if r["unit_cost"] is not None else None,
        minimum=Decimal(r["minimum"]),
        alerted=bool(r["alerted"]),
    )


async def all_items(db: Database | Tx) -> list[StockItem]:
    return [_item(r) for r in await db.fetchall(f"SELECT {_ITEM} FROM stock_items ORDER BY name")]


async def by_name(db: Database | Tx, name: str) -> StockItem | None:
    row = await db.fetchone(f"SELECT {_ITEM} FROM stock_items WHERE name = ?", (name,))
    return _item(row) if row else None


async def by_id(db: Database | Tx, item_id: int) -> StockItem | None:
    row = await db.fetchone(f"SELECT {_ITEM} FROM stock_items WHERE id = ?", (item_id,))
    return _item(row) if row else None


async def insert_item(tx: Tx, name: str, unit: str, now: datetime) -> int:
    return await tx.execute(
        "INSERT INTO stock_items (name, unit, created_at) VALUES (?, ?, ?)",
        (name, unit, to_db(now)),
    )


async def save_item(tx: Tx, item: StockItem) -> None:
    await tx.execute(
        "UPDATE stock_items SET quantity = ?, unit_cost = ?, minimum = ?, alerted = ? WHERE id = ?",
        (
            str(item.quantity),
            str(item.unit_cost) if item.unit_cost is not None else None,
            str(item.minimum),
            int(item.alerted),
            item.id,
        ),
    )


async def add_move(
    tx: Tx,
    item: StockItem,
    delta: Decimal,
    reason: str,
    *,
    by_id: int | None,
    by_name: str | None,
    now: datetime,
    repair_id: int | None = None,
    requisition_id: int | None = None,
) -> None:
    await tx.execute(
        "INSERT INTO stock_moves (item_id, delta, unit_cost, reason, by_id, by_name,"
        " repair_id, requisition_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            item.id,
            str(delta),
            str(item.unit_cost) if item.unit_cost is not None else None,
            reason,
            by_id,
            by_name,
            repair_id,
            requisition_id,
            to_db(now),
        ),
    )


async def moves(db: Database | Tx, *, repair_id: int | None = None) -> list[StockMove]:
    where, params = ("WHERE m.repair_id = ?", (repair_id,)) if repair_id else ("", ())
    rows = await db.fetchall(
        "SELECT i.name, i.unit, m.delta, m.unit_cost, m.reason, m.by_name, m.at"
        f" FROM stock_moves m JOIN stock_items i ON i.id = m.item_id {where} ORDER BY m.id",
        params,
    )
    return [
        StockMove(
            r["name"],
            r["unit"],
            Decimal(r["delta"]),
            Decimal(r["unit_cost"]) if r["unit_cost"] is not None else None,
            r["reason"],
            r["by_name"],
            from_db(r["at"]),
        )
        for r in rows
    ]


async def most_used(db: Database | Tx, category: str, limit: int = 4) -> list[StockItem]:
    """The items used most often at repairs of ``category``."""
    rows = await db.fetchall(
        f"SELECT {', '.join('i.' + c.strip() for c in _ITEM.split(','))}"
        " FROM stock_moves m JOIN stock_items i ON i.id = m.item_id"
        " JOIN repairs r ON r.id = m.repair_id WHERE r.category = ?"
        " GROUP BY i.id ORDER BY COUNT(*) DESC, i.name LIMIT ?",
        (category, limit),
    )
    return [_item(r) for r in rows]


@dataclass(frozen=True)
class Requisition:
    id: int
    item_id: int
    quantity: Decimal
    purpose: str
    requester_id: int
    requester_name: str
    state: str


async def insert_requisition(
    tx: Tx, item: StockItem, quantity: Decimal, purpose: str, by_id: int, by_name: str,
    now: datetime,
) -> int:  # fmt: skip
    return await tx.execute(
        "INSERT INTO requisitions (item_id, quantity, purpose, requester_id, requester_name,"
        " state, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
        (item.id, str(quantity), purpose, by_id, by_name, to_db(now)),
    )


async def requisition(db: Database | Tx, req_id: int) -> Requisition | None:
    row = await db.fetchone(
        "SELECT id, item_id, quantity, purpose, requester_id, requester_name, state"
        " FROM requisitions WHERE id = ?",
        (req_id,),
    )
    if row is None:
        return None
    return Requisition(
        row["id"], row["item_id"], Decimal(row["quantity"]), row["purpose"],
        row["requester_id"], row["requester_name"], row["state"],
    )  # fmt: skip


async def set_requisition_state(
    tx: Tx, req_id: int, *, old: str, new: str, by_id: int, by_name: str, now: datetime
) -> bool:
    """Compare-and-set: False if someone else decided first."""
    column = "received_at" if new == "received" else "decided_at"
    changed = await tx.rowcount(
        f"UPDATE requisitions SET state = ?, {column} = ?"
        + (", decided_by_id = ?, decided_by_name = ?" if new != "received" else "")
        + " WHERE id = ? AND state = ?",
        (new, to_db(now), *((by_id, by_name) if new != "received" else ()), req_id, old),
    )
    return changed == 1
