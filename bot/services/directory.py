"""Who is who: reading the registered people and keeping their Telegram contact current.
Handlers reach people through here (and ``bot.services.people`` for invites and roles),
never through storage."""

from __future__ import annotations

from bot.domain.people import Person
from bot.domain.roles import Role
from bot.services.container import Services
from storage import people


async def find(svc: Services, user_id: int) -> Person | None:
    return await people.get(svc.db, user_id)


async def everyone(svc: Services) -> list[Person]:
    return list(await people.all_people(svc.db))


async def with_role(svc: Services, role: Role) -> list[Person]:
    return list(await people.with_role(svc.db, role))


async def update_contact(
    svc: Services, user_id: int, name: str, username: str | None, chat_id: int | None
) -> None:
    await people.update_contact(svc.db, user_id, name, username, chat_id)
