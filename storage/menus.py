"""Weekly menus, their drafts, and the pushes already made (SQL only)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.clock import to_db
from bot.domain.menus import Entries, Meal, MenuWeek
from storage.db import Database, Tx


def _entries_json(entries: Entries) -> str:
    rows = [[d, m.value, list(dishes)] for (d, m), dishes in sorted(entries.items())]
    return json.dumps(rows, ensure_ascii=False)


def _entries_from_json(text: str) -> Entries:
    return {(int(d), Meal(m)): tuple(str(x) for x in dishes) for d, m, dishes in json.loads(text)}


async def week(db: Database | Tx, monday: date) -> MenuWeek:
    return (await weeks_between(db, monday, monday))[monday]


async def weeks_between(db: Database | Tx, first: date, last: date) -> dict[date, MenuWeek]:
    """Every week whose Monday is in [first, last], in one query (a year's report reads
    fifty-odd weeks); a week with no menu is an empty MenuWeek."""
    rows = await db.fetchall(
        "SELECT week, weekday, meal, dishes FROM menu_entries WHERE week BETWEEN ? AND ?",
        (first.isoformat(), last.isoformat()),
    )
    entries: dict[date, Entries] = {}
    for r in rows:
        try:
            day_entries = entries.setdefault(date.fromisoformat(r["week"]), {})
            day_entries[(r["weekday"], Meal(r["meal"]))] = tuple(json.loads(r["dishes"]))
        except ValueError:
            continue
    weeks: dict[date, MenuWeek] = {}
    monday = first
    while monday <= last:
        weeks[monday] = MenuWeek(monday, entries.get(monday, {}))
        monday += timedelta(days=7)
    return weeks


async def replace_week(tx: Tx, monday: date, entries: Entries, *, by: int, now: datetime) -> None:
    """The saved week is exactly the draft: days left out of the new menu are cleared."""
    await tx.execute("DELETE FROM menu_entries WHERE week = ?", (monday.isoformat(),))
    await tx.executemany(
        "INSERT INTO menu_entries (week, weekday, meal, dishes, updated_by, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                monday.isoformat(),
                d,
                m.value,
                json.dumps(list(dishes), ensure_ascii=False),
                by,
                to_db(now),
            )
            for (d, m), dishes in sorted(entries.items())
        ],
    )


@dataclass(frozen=True)
class Draft:
    id: int
    week: date
    entries: Entries
    created_by: int
    state: str


async def create_draft(tx: Tx, monday: date, entries: Entries, *, by: int, now: datetime) -> int:
    return await tx.execute(
        "INSERT INTO menu_drafts (week, entries, created_by, created_at) VALUES (?, ?, ?, ?)",
        (monday.isoformat(), _entries_json(entries), by, to_db(now)),
    )


async def get_draft(db: Database | Tx, draft_id: int) -> Draft | None:
    row = await db.fetchone(
        "SELECT id, week, entries, created_by, state FROM menu_drafts WHERE id = ?", (draft_id,)
    )
    if row is None:
        return None
    return Draft(
        row["id"],
        date.fromisoformat(row["week"]),
        _entries_from_json(row["entries"]),
        row["created_by"],
        row["state"],
    )


async def close_draft(tx: Tx, draft_id: int, state: str) -> bool:
    """Compare-and-set from open, so 保存 tapped twice saves once."""
    return (
        await tx.rowcount(
            "UPDATE menu_drafts SET state = ? WHERE id = ? AND state = 'open'", (state, draft_id)
        )
        > 0
    )


async def claim_push(tx: Tx, kind: str, key: str, now: datetime) -> bool:
    """True the first time (kind, key) is claimed: a push is made once, even across restarts."""
    return (
        await tx.rowcount(
            "INSERT OR IGNORE INTO menu_pushes (kind, key, sent_at) VALUES (?, ?, ?)",
            (kind, key, to_db(now)),
        )
        > 0
    )


async def pushed(db: Database | Tx, kind: str, key: str) -> bool:
    return bool(
        await db.fetchval("SELECT 1 FROM menu_pushes WHERE kind = ? AND key = ?", (kind, key))
    )
