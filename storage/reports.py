"""The records of a period, read once for a report, an export and the weekly digest.

Each query is bounded by an indexed column (repairs.created_at, purchases.purchase_date,
patrol_rounds.day, menu_entries.week, stock_moves.at), so a year's report reads that
year's rows and its cost does not grow with the years kept in the database.
"""

from __future__ import annotations

import functools
import sqlite3
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from bot.clock import from_db, to_db
from bot.domain.periods import Period
from bot.domain.reports import (
    MenuWeekRecord,
    PartUsed,
    PatrolRoundRecord,
    PurchaseLineRecord,
    Records,
    RepairRecord,
)
from storage.db import Database, Tx, read_snapshot


async def period_records(db: Database, period: Period, start: datetime, end: datetime) -> Records:
    """Everything ``period`` holds: repairs and parts used made in [start, end), purchases
    and rounds of its days, and the menus of its span (published ahead, they count in it).

    One table after another on one read-only connection in one worker thread. Side by side
    in three threads was slower (75 ms against 43 for a year among five): sqlite3 lets go
    of the GIL at every row, and the threads then queue to get it back."""
    return await db.read(functools.partial(_read_period, period=period, start=start, end=end))


def period_records_at(path: Path, period: Period, start: datetime, end: datetime) -> Records:
    """``period_records`` read where the caller runs (blocking): in a worker process that
    builds an export from the records, so a year of rows is never sent between processes."""
    return read_snapshot(path, functools.partial(_read_period, period=period, start=start, end=end))


def _read_period(
    conn: sqlite3.Connection, *, period: Period, start: datetime, end: datetime
) -> Records:
    return Records(
        period=period,
        repairs=_repairs(conn, start, end),
        purchase_lines=_purchase_lines(conn, period.first, period.last),
        rounds=_rounds(conn, period.first, period.last),
        menu_weeks=_menu_weeks(conn, period.first, period.span_last),
        parts_used=_parts_used(conn, start, end),
    )


@functools.lru_cache(maxsize=8192)  # the lines of one purchase share its times
def _when(text: str | None) -> datetime | None:
    return from_db(text) if text else None


# A year holds thousands of lines but few distinct days, prices and quantities: parsed once.
_day = functools.lru_cache(maxsize=4096)(date.fromisoformat)
_decimal = functools.lru_cache(maxsize=16384)(Decimal)


def _repairs(conn: sqlite3.Connection, start: datetime, end: datetime) -> list[RepairRecord]:
    """Reports made in [start, end)."""
    rows = conn.execute(
        "SELECT id, created_at, location, location_key, category, urgency, state,"
        " reporter_name, assignee_name, accepted_at, done_at, description,"
        " patrol_round_id IS NOT NULL AS from_patrol, reopen_count"
        " FROM repairs WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id",
        (to_db(start), to_db(end)),
    )
    return [_repair(r) for r in rows]


def _repair(r: sqlite3.Row) -> RepairRecord:
    # By position, in the SELECT's order (a year has thousands of reports).
    (rid, created, location, key, category, urgency, state, reporter, assignee, accepted,
     done, description, from_patrol, reopened) = r  # fmt: skip
    return RepairRecord(
        id=rid,
        created_at=from_db(created),
        location=location,
        location_key=key,
        category=category,
        urgency=urgency,
        state=state,
        reporter_name=reporter,
        assignee_name=assignee,
        accepted_at=from_db(accepted) if accepted else None,  # each its own: no cache
        done_at=from_db(done) if done else None,
        description=description,
        from_patrol=bool(from_patrol),
        reopen_count=reopened,
    )


def _purchase_lines(conn: sqlite3.Connection, first: date, last: date) -> list[PurchaseLineRecord]:
    """Lines of the purchases confirmed or rejected whose market day is in [first, last]."""
    rows = conn.execute(
        "SELECT p.id, p.state, p.purchase_date, p.supplier AS purchase_supplier,"
        " p.purchaser_name, p.confirmed_by_name, p.confirmed_at, p.reject_reason,"
        " p.posted_on IS NOT NULL AS posted,"
        " l.item, l.quantity, l.unit, l.unit_key, l.unit_price, l.amount, l.supplier"
        " FROM purchases p JOIN purchase_lines l ON l.purchase_id = p.id"
        " WHERE p.purchase_date BETWEEN ? AND ? AND p.state IN ('confirmed', 'rejected')"
        " ORDER BY p.purchase_date, p.id, l.position",
        (first.isoformat(), last.isoformat()),
    )
    return [_purchase_line(r) for r in rows]


def _purchase_line(r: sqlite3.Row) -> PurchaseLineRecord:
    # Unpacked in the SELECT's order: by position, as a year has thousands of lines.
    (pid, state, day, purchase_supplier, purchaser, confirmed_by, confirmed_at, reason, posted,
     item, quantity, unit, unit_key, unit_price, amount, supplier) = r  # fmt: skip
    return PurchaseLineRecord(
        purchase_id=pid,
        day=_day(day),
        state=state,
        item=item,
        quantity=_decimal(quantity),
        unit=unit,
        unit_key=unit_key,
        unit_price=_decimal(unit_price),
        amount=_decimal(amount),
        supplier=supplier or purchase_supplier or "",
        purchaser_name=purchaser,
        confirmed_by_name=confirmed_by,
        confirmed_at=_when(confirmed_at),
        reject_reason=reason,
        posted=bool(posted),
    )


def _rounds(conn: sqlite3.Connection, first: date, last: date) -> list[PatrolRoundRecord]:
    """Rounds of the days in [first, last] with their abnormal items (of submitted rounds),
    how many became repair reports and how many of those are fixed now."""
    rows = conn.execute(
        "SELECT r.id, r.day, r.slot, r.state, r.scheduled_at, r.submitted_at,"
        " pe.name AS who,"
        " COALESCE(SUM(c.state = 'abnormal'), 0) AS abnormal,"
        " COALESCE(SUM(c.state = 'abnormal' AND c.repair_id IS NOT NULL), 0) AS repairs,"
        " COALESCE(SUM(c.state = 'abnormal' AND rp.state IN ('done', 'verified')), 0) AS fixed,"
        # sent to someone: a round sent to nobody (no patroller yet) is 未排班, not 漏检
        " EXISTS (SELECT 1 FROM patrol_round_people x WHERE x.round_id = r.id) AS staffed"
        " FROM patrol_rounds r"
        " LEFT JOIN patrol_checks c ON c.round_id = r.id AND r.submitted_at IS NOT NULL"
        " LEFT JOIN repairs rp ON rp.id = c.repair_id"
        " LEFT JOIN people pe ON pe.user_id = r.submitted_by"
        " WHERE r.day BETWEEN ? AND ?"
        " GROUP BY r.id ORDER BY r.day, r.scheduled_at",
        (first.isoformat(), last.isoformat()),
    )
    return [_round(r) for r in rows]


def _round(r: sqlite3.Row) -> PatrolRoundRecord:
    (rid, day, slot, state, scheduled, submitted, who, abnormal, repairs, fixed,
     staffed) = r  # fmt: skip
    return PatrolRoundRecord(
        id=rid,
        day=_day(day),
        slot=slot,
        state=state,
        scheduled_at=from_db(scheduled),
        submitted_at=_when(submitted),
        submitted_by=who,
        abnormal=abnormal,
        repairs=repairs,
        repairs_done=fixed,
        staffed=bool(staffed),
    )


def _menu_weeks(conn: sqlite3.Connection, first: date, last: date) -> list[MenuWeekRecord]:
    """Weeks with a menu whose Monday is in [first, last]; on time when the Sunday push
    went out (it goes out only when the menu exists by then)."""
    rows = conn.execute(
        "SELECT DISTINCT e.week, EXISTS(SELECT 1 FROM menu_pushes m"
        "  WHERE m.kind = 'weekly' AND m.key = e.week) AS on_time"
        " FROM menu_entries e WHERE e.week BETWEEN ? AND ? ORDER BY e.week",
        (first.isoformat(), last.isoformat()),
    )
    return [MenuWeekRecord(date.fromisoformat(week), bool(on_time)) for week, on_time in rows]


def _parts_used(conn: sqlite3.Connection, start: datetime, end: datetime) -> list[PartUsed]:
    """Parts taken from the storeroom for repairs (issue 16) in [start, end), per item,
    most first: the year report's 「更换灯管 84根」. Summed here, not in SQL, as the
    quantities are exact decimals stored as text."""
    rows = conn.execute(
        "SELECT i.name, i.unit, m.delta FROM stock_moves m JOIN stock_items i ON i.id = m.item_id"
        " WHERE m.repair_id IS NOT NULL AND m.at >= ? AND m.at < ?",
        (to_db(start), to_db(end)),
    )
    totals: dict[tuple[str, str], Decimal] = {}
    for name, unit, delta in rows:
        totals[(name, unit)] = totals.get((name, unit), Decimal(0)) - Decimal(delta)
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0][0]))
    return [PartUsed(name, quantity, unit) for (name, unit), quantity in ranked if quantity > 0]


async def purchases_waiting_since(db: Database, before: datetime) -> list[tuple[int, datetime]]:
    """Purchases submitted before ``before`` and still not confirmed or rejected."""
    rows = await db.fetchall(
        "SELECT id, submitted_at FROM purchases WHERE state = 'submitted' AND submitted_at < ?"
        " ORDER BY submitted_at",
        (to_db(before),),
    )
    return [(r["id"], from_db(r["submitted_at"])) for r in rows]


async def claim_digest(tx: Tx, monday: date, now: datetime, recipients: int) -> bool:
    """True for the first claim of the week's digest, False ever after."""
    changed = await tx.rowcount(
        "INSERT OR IGNORE INTO report_digests (week, sent_at, recipients) VALUES (?, ?, ?)",
        (monday.isoformat(), to_db(now), recipients),
    )
    return changed > 0


async def digest_sent(db: Database, monday: date) -> bool:
    value = await db.fetchval("SELECT 1 FROM report_digests WHERE week = ?", (monday.isoformat(),))
    return value is not None
