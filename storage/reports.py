"""Aggregates over the records for the year-end numbers. Read-only SQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from bot.domain.purchases import weight_total
from bot.domain.reports import PatrolNumbers, PurchaseNumbers, RepairNumbers
from storage.db import Database

_HOURS = "(julianday({end}) - julianday({start})) * 24"


async def repair_numbers(db: Database, start_utc: str, end_utc: str) -> RepairNumbers:
    """Reports made in [start_utc, end_utc)."""
    where = "created_at >= ? AND created_at < ?"
    row = await db.fetchone(
        "SELECT COUNT(*) AS total,"
        " SUM(state = 'verified') AS verified,"
        " SUM(state = 'rejected') AS rejected,"
        " SUM(state = 'done') AS done,"
        " SUM(state NOT IN ('verified', 'done', 'rejected')) AS open,"
        " SUM(state = 'new') AS new, SUM(state = 'accepted') AS accepted,"
        " SUM(state = 'in_progress') AS in_progress, SUM(state = 'on_hold') AS on_hold,"
        " SUM(patrol_round_id IS NOT NULL) AS from_patrols,"
        f" AVG(CASE WHEN accepted_at IS NOT NULL THEN {_HOURS.format(end='accepted_at', start='created_at')} END) AS accept_h,"  # noqa: E501
        f" AVG(CASE WHEN done_at IS NOT NULL AND accepted_at IS NOT NULL THEN {_HOURS.format(end='done_at', start='accepted_at')} END) AS fix_h"  # noqa: E501
        f" FROM repairs WHERE {where}",
        (start_utc, end_utc),
    )
    categories = await db.fetchall(
        f"SELECT category, COUNT(*) AS n FROM repairs WHERE {where} AND state != 'rejected'"
        " GROUP BY category ORDER BY n DESC, category",
        (start_utc, end_utc),
    )
    assert row is not None
    return RepairNumbers(
        total=row["total"] or 0,
        verified=row["verified"] or 0,
        done=row["done"] or 0,
        open=row["open"] or 0,
        rejected=row["rejected"] or 0,
        new=row["new"] or 0,
        accepted=row["accepted"] or 0,
        in_progress=row["in_progress"] or 0,
        on_hold=row["on_hold"] or 0,
        from_patrols=row["from_patrols"] or 0,
        by_category={r["category"]: r["n"] for r in categories},
        avg_accept_hours=row["accept_h"],
        avg_fix_hours=row["fix_h"],
    )


async def purchase_numbers(db: Database, first: date, last: date, top: int = 5) -> PurchaseNumbers:
    """Purchases dated (local market day) within [first, last]. Amounts are summed as Decimal:
    the database keeps them as text precisely so that no float ever touches money."""
    span = (first.isoformat(), last.isoformat())
    lines = await db.fetchall(
        "SELECT l.item, l.quantity, l.unit_key, l.amount FROM purchase_lines l"
        " JOIN purchases p ON p.id = l.purchase_id"
        " WHERE p.state = 'confirmed' AND p.purchase_date BETWEEN ? AND ?",
        span,
    )
    counts = await db.fetchone(
        "SELECT SUM(state = 'confirmed') AS confirmed, SUM(state = 'rejected') AS rejected"
        " FROM purchases WHERE purchase_date BETWEEN ? AND ?",
        span,
    )
    by_item: dict[str, Decimal] = defaultdict(Decimal)
    bought: dict[str, list[tuple[Decimal, str]]] = defaultdict(list)
    for line in lines:
        by_item[line["item"]] += Decimal(line["amount"])
        bought[line["item"]].append((Decimal(line["quantity"]), line["unit_key"]))
    ranked = sorted(by_item.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    weights = {item: w for item, _ in ranked if (w := weight_total(bought[item])) is not None}
    return PurchaseNumbers(
        confirmed=(counts["confirmed"] or 0) if counts else 0,
        lines=len(lines),
        amount=sum(by_item.values(), Decimal("0.00")),
        rejected=(counts["rejected"] or 0) if counts else 0,
        top_items=ranked,
        weights=weights,
    )


# A round that was sent to someone; one sent to nobody (no patroller yet) is 未排班.
_STAFFED = "EXISTS (SELECT 1 FROM patrol_round_people x WHERE x.round_id = r.id)"


async def patrol_numbers(db: Database, first: date, last: date) -> PatrolNumbers:
    span = (first.isoformat(), last.isoformat())
    row = await db.fetchone(
        "SELECT COUNT(*) AS rounds, SUM(state = 'submitted') AS on_time,"
        f" SUM(state = 'late') AS late, SUM(state = 'missed' AND {_STAFFED}) AS missed,"
        f" SUM(state NOT IN ('submitted', 'late') AND NOT {_STAFFED}) AS unstaffed"
        " FROM patrol_rounds r WHERE day BETWEEN ? AND ?",
        span,
    )
    abnormal = await db.fetchval(
        "SELECT COUNT(*) FROM patrol_checks c JOIN patrol_rounds r ON r.id = c.round_id"
        " WHERE r.day BETWEEN ? AND ? AND c.state = 'abnormal' AND r.submitted_at IS NOT NULL",
        span,
    )
    assert row is not None
    return PatrolNumbers(
        rounds=row["rounds"] or 0,
        on_time=row["on_time"] or 0,
        late=row["late"] or 0,
        missed=row["missed"] or 0,
        unstaffed=row["unstaffed"] or 0,
        abnormal_items=abnormal or 0,
    )


async def menu_weeks(db: Database, first: date, last: date) -> int:
    """Weeks with a published menu whose Monday falls in the period."""
    value = await db.fetchval(
        "SELECT COUNT(DISTINCT week) FROM menu_entries WHERE week BETWEEN ? AND ?",
        (first.isoformat(), last.isoformat()),
    )
    return int(value or 0)
