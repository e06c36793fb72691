"""Purchases, their lines and photos, suppliers and the daily public postings. SQL only.

Decimals are stored as TEXT and read back as Decimal; sums happen in Python, never in
SQLite (whose arithmetic on TEXT would go through floats).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from bot.clock import from_db, to_db
from bot.domain.messages import Photo
from bot.domain.purchases import (
    PhotoKind,
    Purchase,
    PurchaseLine,
    PurchasePhoto,
    PurchaseState,
    Supplier,
)
from storage.db import Database, Row, Tx

Db = Database | Tx

_COLUMNS = (
    "id, state, purchaser_id, purchaser_name, supplier, purchase_date, created_at, submitted_at,"
    " confirmed_by, confirmed_by_name, confirmed_at, rejected_by, rejected_by_name, rejected_at,"
    " reject_reason, reopened_from"
)


def _dt(text: str | None) -> datetime | None:
    return None if text is None else from_db(text)


def _line(row: Row) -> PurchaseLine:
    return PurchaseLine(
        item=row["item"],
        quantity=Decimal(row["quantity"]),
        unit=row["unit"],
        unit_price=Decimal(row["unit_price"]),
        amount=Decimal(row["amount"]),
        supplier=row["supplier"],
        price_is_total=bool(row["price_is_total"]),
    )


async def _purchase(db: Db, row: Row) -> Purchase:
    lines = await db.fetchall(
        "SELECT item, quantity, unit, unit_price, amount, supplier, price_is_total"
        " FROM purchase_lines WHERE purchase_id = ? ORDER BY position, id",
        (row["id"],),
    )
    photos = await db.fetchall(
        "SELECT kind, file_id, path, item FROM purchase_photos WHERE purchase_id = ? ORDER BY id",
        (row["id"],),
    )
    return Purchase(
        id=row["id"],
        state=PurchaseState(row["state"]),
        purchaser_id=row["purchaser_id"],
        purchaser_name=row["purchaser_name"],
        supplier=row["supplier"],
        purchase_date=date.fromisoformat(row["purchase_date"]) if row["purchase_date"] else None,
        created_at=from_db(row["created_at"]),
        submitted_at=_dt(row["submitted_at"]),
        confirmed_by=row["confirmed_by"],
        confirmed_by_name=row["confirmed_by_name"],
        confirmed_at=_dt(row["confirmed_at"]),
        rejected_by=row["rejected_by"],
        rejected_by_name=row["rejected_by_name"],
        rejected_at=_dt(row["rejected_at"]),
        reject_reason=row["reject_reason"],
        reopened_from=row["reopened_from"],
        lines=tuple(_line(r) for r in lines),
        photos=tuple(
            PurchasePhoto(PhotoKind(r["kind"]), r["file_id"], r["path"], r["item"]) for r in photos
        ),
    )


async def get(db: Db, purchase_id: int) -> Purchase | None:
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM purchases WHERE id = ?", (purchase_id,))
    return None if row is None else await _purchase(db, row)


async def _many(db: Db, where: str, params: tuple[object, ...]) -> list[Purchase]:
    rows = await db.fetchall(f"SELECT {_COLUMNS} FROM purchases WHERE {where}", params)
    return [await _purchase(db, r) for r in rows]


async def open_draft_id(db: Db, purchaser_id: int) -> int | None:
    value = await db.fetchval(
        "SELECT id FROM purchases WHERE purchaser_id = ? AND state = 'draft'"
        " ORDER BY id DESC LIMIT 1",
        (purchaser_id,),
    )
    return None if value is None else int(value)


async def newest_submitted(db: Db, purchaser_id: int, *, since: datetime) -> Purchase | None:
    """The purchaser's newest purchase submitted since ``since`` (not cancelled)."""
    found = await _many(
        db,
        "purchaser_id = ? AND submitted_at IS NOT NULL AND submitted_at >= ?"
        " AND state != 'cancelled' ORDER BY submitted_at DESC, id DESC LIMIT 1",
        (purchaser_id, to_db(since)),
    )
    return found[0] if found else None


async def create_draft(tx: Tx, *, purchaser_id: int, purchaser_name: str, now: datetime) -> int:
    return await tx.execute(
        "INSERT INTO purchases (state, purchaser_id, purchaser_name, created_at)"
        " VALUES ('draft', ?, ?, ?)",
        (purchaser_id, purchaser_name, to_db(now)),
    )


async def reopen_as_draft(tx: Tx, rejected: Purchase, *, now: datetime) -> int:
    """A new draft with the rejected purchase's lines, photos, supplier and day (the goods
    were bought that day, whenever the correction is submitted)."""
    new_id = await tx.execute(
        "INSERT INTO purchases (state, purchaser_id, purchaser_name, supplier, purchase_date,"
        " created_at, reopened_from) VALUES ('draft', ?, ?, ?, ?, ?, ?)",
        (rejected.purchaser_id, rejected.purchaser_name, rejected.supplier,
         rejected.purchase_date.isoformat() if rejected.purchase_date else None, to_db(now),
         rejected.id),
    )  # fmt: skip
    await tx.execute(
        "INSERT INTO purchase_lines (purchase_id, position, item, quantity, unit, unit_key,"
        " unit_price, amount, price_is_total, supplier, needs_certificate)"
        " SELECT ?, position, item, quantity, unit, unit_key, unit_price, amount,"
        " price_is_total, supplier, needs_certificate FROM purchase_lines"
        " WHERE purchase_id = ? ORDER BY position, id",
        (new_id, rejected.id),
    )
    await tx.execute(
        "INSERT INTO purchase_photos (purchase_id, kind, file_id, path, added_at, item)"
        " SELECT ?, kind, file_id, path, added_at, item FROM purchase_photos"
        " WHERE purchase_id = ? ORDER BY id",
        (new_id, rejected.id),
    )
    return new_id


async def reopened_copy(db: Db, purchase_id: int) -> Purchase | None:
    """The correction of a rejected purchase, unless it was cancelled."""
    found = await _many(
        db, "reopened_from = ? AND state != 'cancelled' ORDER BY id DESC LIMIT 1", (purchase_id,)
    )
    return found[0] if found else None


async def add_lines(
    tx: Tx, purchase_id: int, lines: list[PurchaseLine], certificate_items: tuple[str, ...]
) -> None:
    last = await tx.fetchval(
        "SELECT COALESCE(MAX(position), 0) FROM purchase_lines WHERE purchase_id = ?",
        (purchase_id,),
    )
    for offset, line in enumerate(lines, start=1):
        await _insert_line(tx, purchase_id, int(last) + offset, line, certificate_items)


async def _insert_line(
    tx: Tx, purchase_id: int, position: int, line: PurchaseLine, cert_items: tuple[str, ...]
) -> None:
    await tx.execute(
        "INSERT INTO purchase_lines (purchase_id, position, item, quantity, unit, unit_key,"
        " unit_price, amount, price_is_total, supplier, needs_certificate)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (purchase_id, position, line.item, str(line.quantity), line.unit, line.unit_key,
         str(line.unit_price), str(line.amount), int(line.price_is_total), line.supplier,
         int(line.needs_certificate(cert_items))),
    )  # fmt: skip


async def _line_id_at(tx: Tx, purchase_id: int, number: int) -> int | None:
    """The id of the ``number``-th line (1-based, as shown in the preview)."""
    if number < 1:
        return None
    value = await tx.fetchval(
        "SELECT id FROM purchase_lines WHERE purchase_id = ? ORDER BY position, id"
        " LIMIT 1 OFFSET ?",
        (purchase_id, number - 1),
    )
    return None if value is None else int(value)


async def delete_line(tx: Tx, purchase_id: int, number: int) -> bool:
    line_id = await _line_id_at(tx, purchase_id, number)
    if line_id is None:
        return False
    await tx.execute("DELETE FROM purchase_lines WHERE id = ?", (line_id,))
    return True


async def replace_line(
    tx: Tx, purchase_id: int, number: int, line: PurchaseLine, cert_items: tuple[str, ...]
) -> bool:
    line_id = await _line_id_at(tx, purchase_id, number)
    if line_id is None:
        return False
    position = await tx.fetchval("SELECT position FROM purchase_lines WHERE id = ?", (line_id,))
    await tx.execute("DELETE FROM purchase_lines WHERE id = ?", (line_id,))
    await _insert_line(tx, purchase_id, int(position), line, cert_items)
    return True


async def set_supplier(tx: Tx, purchase_id: int, supplier: str | None) -> None:
    await tx.execute("UPDATE purchases SET supplier = ? WHERE id = ?", (supplier, purchase_id))


async def add_photo(
    tx: Tx,
    purchase_id: int,
    kind: PhotoKind,
    photo: Photo,
    *,
    now: datetime,
    item: str | None = None,
) -> None:
    await tx.execute(
        "INSERT INTO purchase_photos (purchase_id, kind, file_id, path, added_at, item)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (purchase_id, kind.value, photo.file_id, photo.path, to_db(now), item),
    )


async def submit(tx: Tx, purchase_id: int, *, day: date, now: datetime) -> bool:
    """draft -> submitted (compare-and-set: a double tap submits once), on ``day`` unless
    the draft already has a day (a reopened purchase keeps the day of the market)."""
    return (
        await tx.rowcount(
            "UPDATE purchases SET state = 'submitted', submitted_at = ?,"
            " purchase_date = COALESCE(purchase_date, ?) WHERE id = ? AND state = 'draft'",
            (to_db(now), day.isoformat(), purchase_id),
        )
        == 1
    )


async def confirm(tx: Tx, purchase_id: int, *, by: int, by_name: str, now: datetime) -> bool:
    return (
        await tx.rowcount(
            "UPDATE purchases SET state = 'confirmed', confirmed_by = ?, confirmed_by_name = ?,"
            " confirmed_at = ? WHERE id = ? AND state = 'submitted' AND purchaser_id != ?",
            (by, by_name, to_db(now), purchase_id, by),
        )
        == 1
    )


async def reject(
    tx: Tx, purchase_id: int, *, by: int, by_name: str, reason: str, now: datetime
) -> bool:
    return (
        await tx.rowcount(
            "UPDATE purchases SET state = 'rejected', rejected_by = ?, rejected_by_name = ?,"
            " rejected_at = ?, reject_reason = ? WHERE id = ? AND state = 'submitted'"
            " AND purchaser_id != ?",
            (by, by_name, to_db(now), reason, purchase_id, by),
        )
        == 1
    )


async def cancel_draft(tx: Tx, purchase_id: int) -> bool:
    return (
        await tx.rowcount(
            "UPDATE purchases SET state = 'cancelled' WHERE id = ? AND state = 'draft'",
            (purchase_id,),
        )
        == 1
    )


async def for_day(db: Db, day: date) -> list[Purchase]:
    """Submitted, confirmed and rejected purchases of one local day."""
    return await _many(
        db,
        "purchase_date = ? AND state IN ('submitted', 'confirmed', 'rejected') ORDER BY id",
        (day.isoformat(),),
    )


async def confirmed_between(db: Db, first: date, last: date) -> list[Purchase]:
    return await _many(
        db,
        "state = 'confirmed' AND purchase_date BETWEEN ? AND ? ORDER BY purchase_date, id",
        (first.isoformat(), last.isoformat()),
    )


async def price_history(
    db: Db, item: str, *, first: date, last: date, exclude_id: int
) -> list[tuple[Decimal, str, Decimal]]:
    """(quantity, unit key, amount) of the item's confirmed lines in [first, last], in any
    unit: the domain converts weights (斤, 公斤, 克, 两) to compare them."""
    rows = await db.fetchall(
        "SELECT l.quantity, l.unit_key, l.amount FROM purchase_lines l JOIN purchases p"
        " ON p.id = l.purchase_id WHERE p.state = 'confirmed' AND l.item = ?"
        " AND p.purchase_date BETWEEN ? AND ? AND p.id != ?",
        (item, first.isoformat(), last.isoformat(), exclude_id),
    )
    return [(Decimal(r["quantity"]), r["unit_key"], Decimal(r["amount"])) for r in rows]


# ---------------------------------------------------------------- public posting


async def unposted_confirmed(db: Db, up_to: date) -> list[Purchase]:
    return await _many(
        db,
        "state = 'confirmed' AND posted_on IS NULL AND purchase_date <= ?"
        " ORDER BY purchase_date, id",
        (up_to.isoformat(),),
    )


async def posting_exists(db: Db, day: date) -> bool:
    return bool(
        await db.fetchval("SELECT 1 FROM purchase_postings WHERE day = ?", (day.isoformat(),))
    )


async def record_posting(
    tx: Tx, day: date, purchase_ids: list[int], total: Decimal, *, now: datetime
) -> bool:
    """Remember the day's posting; False if it was already posted (nothing changes then)."""
    inserted = await tx.rowcount(
        "INSERT OR IGNORE INTO purchase_postings (day, posted_at, purchase_count, total)"
        " VALUES (?, ?, ?, ?)",
        (day.isoformat(), to_db(now), len(purchase_ids), str(total)),
    )
    if inserted != 1:
        return False
    for purchase_id in purchase_ids:
        await tx.execute(
            "UPDATE purchases SET posted_on = ? WHERE id = ? AND posted_on IS NULL",
            (day.isoformat(), purchase_id),
        )
    return True


# ---------------------------------------------------------------- suppliers


def _supplier(row: Row) -> Supplier:
    expires = row["certificate_expires"]
    return Supplier(
        id=row["id"],
        name=row["name"],
        certificate_expires=date.fromisoformat(expires) if expires else None,
        flag_stage=row["flag_stage"],
    )


async def suppliers(db: Db) -> list[Supplier]:
    rows = await db.fetchall(
        "SELECT id, name, certificate_expires, flag_stage FROM purchase_suppliers"
        " WHERE active = 1 ORDER BY name"
    )
    return [_supplier(r) for r in rows]


async def supplier_named(db: Db, name: str) -> Supplier | None:
    row = await db.fetchone(
        "SELECT id, name, certificate_expires, flag_stage FROM purchase_suppliers"
        " WHERE active = 1 AND name = ?",
        (name,),
    )
    return None if row is None else _supplier(row)


async def upsert_supplier(
    tx: Tx, name: str, expires: date | None, *, by: int, now: datetime
) -> bool:
    """Add or update; True when the supplier is new (or was removed before)."""
    existing = await tx.fetchone("SELECT active FROM purchase_suppliers WHERE name = ?", (name,))
    await tx.execute(
        "INSERT INTO purchase_suppliers (name, certificate_expires, added_by, added_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET"
        " certificate_expires = excluded.certificate_expires, active = 1, flag_stage = 0,"
        " updated_at = excluded.updated_at",
        (name, expires.isoformat() if expires else None, by, to_db(now), to_db(now)),
    )
    return existing is None or not existing["active"]


async def remove_supplier(tx: Tx, name: str, *, now: datetime) -> bool:
    return (
        await tx.rowcount(
            "UPDATE purchase_suppliers SET active = 0, updated_at = ? WHERE name = ?"
            " AND active = 1",
            (to_db(now), name),
        )
        == 1
    )


async def set_flag_stage(tx: Tx, supplier_id: int, stage: int) -> None:
    await tx.execute(
        "UPDATE purchase_suppliers SET flag_stage = ? WHERE id = ?", (stage, supplier_id)
    )
