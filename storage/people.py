"""People and their roles."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from bot.clock import to_db
from bot.domain.people import Person
from bot.domain.roles import Role
from storage.db import Database, Row, Tx

_SELECT = "SELECT user_id, name, username, chat_id FROM people WHERE active = 1"


def _roles(rows: list[Row]) -> dict[int, set[Role]]:
    by_user: dict[int, set[Role]] = defaultdict(set)
    for r in rows:
        try:
            by_user[r["user_id"]].add(Role(r["role"]))
        except ValueError:  # a role this version does not know: ignore, never crash
            continue
    return by_user


def _person(row: Row, roles: set[Role]) -> Person:
    return Person(row["user_id"], row["name"], row["username"], row["chat_id"], frozenset(roles))


async def get(db: Database | Tx, user_id: int) -> Person | None:
    row = await db.fetchone(_SELECT + " AND user_id = ?", (user_id,))
    if row is None:
        return None
    roles = await db.fetchall(
        "SELECT user_id, role FROM person_roles WHERE user_id = ?", (user_id,)
    )
    return _person(row, _roles(roles)[user_id])


async def all_people(db: Database | Tx) -> list[Person]:
    rows = await db.fetchall(_SELECT + " ORDER BY created_at, user_id")
    roles = _roles(await db.fetchall("SELECT user_id, role FROM person_roles"))
    return [_person(r, roles[r["user_id"]]) for r in rows]


async def with_role(db: Database | Tx, role: Role) -> list[Person]:
    """Everyone holding ``role`` exactly (admins are not added implicitly), in the order
    they joined. Read by the role (every report notifies the supervisors: the handful
    of them, not all 130 teachers and their roles)."""
    holders = " AND user_id IN (SELECT user_id FROM person_roles WHERE role = ?)"
    rows = await db.fetchall(_SELECT + holders + " ORDER BY created_at, user_id", (role.value,))
    roles = _roles(
        await db.fetchall(
            "SELECT user_id, role FROM person_roles WHERE user_id IN"
            " (SELECT user_id FROM person_roles WHERE role = ?)",
            (role.value,),
        )
    )
    return [_person(r, roles[r["user_id"]]) for r in rows]


async def upsert(
    tx: Tx,
    *,
    user_id: int,
    name: str,
    username: str | None,
    chat_id: int | None,
    now: datetime,
) -> None:
    await tx.execute(
        "INSERT INTO people (user_id, name, username, chat_id, created_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(user_id) DO UPDATE SET name = excluded.name,"
        " username = excluded.username, chat_id = COALESCE(excluded.chat_id, people.chat_id),"
        " active = 1",
        (user_id, name, username, chat_id, to_db(now)),
    )


async def grant(tx: Tx, user_id: int, role: Role, *, by: int | None, now: datetime) -> bool:
    """Returns False when the person already had the role."""
    exists = await tx.fetchval(
        "SELECT 1 FROM person_roles WHERE user_id = ? AND role = ?", (user_id, role.value)
    )
    if exists:
        return False
    await tx.execute(
        "INSERT INTO person_roles (user_id, role, granted_by, granted_at) VALUES (?, ?, ?, ?)",
        (user_id, role.value, by, to_db(now)),
    )
    return True


async def revoke(tx: Tx, user_id: int, role: Role) -> bool:
    return (
        await tx.rowcount(
            "DELETE FROM person_roles WHERE user_id = ? AND role = ?", (user_id, role.value)
        )
        > 0
    )


async def deactivate(tx: Tx, user_id: int) -> bool:
    """Remove a person: roles go, the row stays so old records still show their name."""
    await tx.execute("DELETE FROM person_roles WHERE user_id = ?", (user_id,))
    return await tx.rowcount("UPDATE people SET active = 0 WHERE user_id = ?", (user_id,)) > 0


async def update_contact(
    db: Database, user_id: int, name: str, username: str | None, chat_id: int | None
) -> None:
    """Keep names fresh; only for people already registered."""
    async with db.transaction(settles=False) as tx:
        await tx.execute(
            "UPDATE people SET name = ?, username = ?, chat_id = COALESCE(?, chat_id)"
            " WHERE user_id = ? AND active = 1 AND (name != ? OR username IS NOT ?"
            " OR chat_id IS NOT COALESCE(?, chat_id))",
            (name, username, chat_id, user_id, name, username, chat_id),
        )
