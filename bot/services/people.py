"""Invites, registration, roles, and addressing notifications to roles."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.errors import DomainError
from bot.domain.messages import OutMessage
from bot.domain.numbers import read_id
from bot.domain.people import Person
from bot.domain.roles import Role
from bot.services.container import Services
from bot.texts import admin as admin_texts
from storage import audit, invites, outbox, people
from storage.db import Tx


@dataclass(frozen=True)
class Actor:
    """Who does something, for the audit trail."""

    user_id: int
    name: str

    @classmethod
    def of(cls, person: Person) -> Actor:
        return cls(person.user_id, person.name)


async def create_invite(svc: Services, role: Role, by: Person) -> str:
    """A single-use code with 128+ random bits; returns the code for the deep link."""
    code = secrets.token_urlsafe(24)  # 192 bits; URL-safe and within /start's 64 chars
    now = svc.now()
    async with svc.db.transaction() as tx:
        await invites.create(
            tx,
            code,
            role,
            by=by.user_id,
            now=now,
            expires_at=now + timedelta(days=svc.settings.invite_days),
        )
        await audit.record(
            tx,
            now=now,
            actor_id=by.user_id,
            actor_name=by.name,
            action="invite.create",
            detail=role.value,
        )
    return code


async def redeem_invite(
    svc: Services, code: str, *, user_id: int, name: str, username: str | None, chat_id: int
) -> Role:
    now = svc.now()
    async with svc.db.transaction() as tx:
        invite = await invites.find(tx, code)
        if invite is None:
            raise DomainError("这个邀请链接无效。请向后勤办公室索取新的邀请链接。")
        if invite.used_by is not None:
            raise DomainError(
                "这个邀请链接已经用过了，每个链接只能用一次。请向后勤办公室索取新的链接。"
            )
        if invite.expires_at <= now:
            raise DomainError("这个邀请链接已过期。请向后勤办公室索取新的邀请链接。")
        if not await invites.mark_used(tx, code, user_id, now):
            raise DomainError("这个邀请链接已经用过了，每个链接只能用一次。")
        await people.upsert(
            tx, user_id=user_id, name=name, username=username, chat_id=chat_id, now=now
        )
        await people.grant(tx, user_id, invite.role, by=invite.created_by, now=now)
        await audit.record(
            tx,
            now=now,
            actor_id=user_id,
            actor_name=name,
            action="role.grant",
            subject=f"person:{user_id}",
            detail=f"{invite.role.value} (invite)",
        )
    return invite.role


async def bootstrap_admin(
    svc: Services, *, user_id: int, name: str, username: str | None, chat_id: int
) -> Person:
    """Admins named in BOT_ADMIN_IDS are registered the first time they write."""
    now = svc.now()
    async with svc.db.transaction() as tx:
        await people.upsert(
            tx, user_id=user_id, name=name, username=username, chat_id=chat_id, now=now
        )
        if await people.grant(tx, user_id, Role.ADMIN, by=None, now=now):
            await audit.record(
                tx,
                now=now,
                actor_id=user_id,
                actor_name=name,
                action="role.grant",
                subject=f"person:{user_id}",
                detail="admin (BOT_ADMIN_IDS)",
            )
        person = await people.get(tx, user_id)
    assert person is not None
    return person


async def resolve_person(svc: Services, token: str) -> int:
    """Whom an admin means: a user ID, an @username or a name as /users shows them."""
    key = token.strip()
    if key.isdigit():  # also ² and ١٢, which int() refuses or SQLite cannot hold
        user_id = read_id(key)
        if user_id is None:
            raise DomainError(f"没有找到“{key[:20]}”。请用 /users 里的ID、@用户名或名字。")
        return user_id
    everyone = await people.all_people(svc.db)
    if key.startswith("@"):
        handle = key[1:].lower()
        found = [p for p in everyone if p.username and p.username.lower() == handle]
    else:
        squashed = "".join(key.split())
        found = [p for p in everyone if squashed in (p.name, "".join(p.name.split()))]
    if len(found) == 1:
        return found[0].user_id
    if found:
        raise DomainError(f"有 {len(found)} 位叫“{key[:20]}”的人，请用 /users 里的ID。")
    raise DomainError(f"没有找到“{key[:20]}”。请用 /users 里的ID、@用户名或名字。")


async def set_role(svc: Services, target_id: int, role: Role, *, grant: bool, by: Person) -> bool:
    now = svc.now()
    async with svc.db.transaction() as tx:
        target = await people.get(tx, target_id)
        if target is None:
            raise DomainError("没有找到这个人。")
        if not grant and role is Role.ADMIN and target_id == by.user_id:
            raise DomainError("不能取消自己的管理员角色，请让另一位管理员操作。")
        if grant:
            changed = await people.grant(tx, target_id, role, by=by.user_id, now=now)
        else:
            changed = await people.revoke(tx, target_id, role)
        if changed:
            await audit.record(
                tx,
                now=now,
                actor_id=by.user_id,
                actor_name=by.name,
                action="role.grant" if grant else "role.revoke",
                subject=f"person:{target_id}",
                detail=role.value,
            )
            await notify_person(
                tx, svc, target_id, OutMessage(admin_texts.your_role_changed(role, grant)), ref=None
            )
    if changed:
        svc.kick_outbox()
    return changed


async def remove_person(svc: Services, target_id: int, *, by: Person) -> Person:
    now = svc.now()
    async with svc.db.transaction() as tx:
        target = await people.get(tx, target_id)
        if target is None:
            raise DomainError("没有找到这个人。")
        if target_id == by.user_id:
            raise DomainError("不能移除自己。")
        await people.deactivate(tx, target_id)
        await audit.record(
            tx,
            now=now,
            actor_id=by.user_id,
            actor_name=by.name,
            action="person.remove",
            subject=f"person:{target_id}",
        )
    return target


async def notify_role(
    tx: Tx,
    svc: Services,
    role: Role,
    msg: OutMessage,
    *,
    ref: str | None,
    exclude: set[int] = frozenset(),  # type: ignore[assignment]
) -> int:
    """Queue ``msg`` to everyone holding ``role`` (in the caller's transaction)."""
    count = 0
    for person in await people.with_role(tx, role):
        if person.chat_id is None or person.user_id in exclude:
            continue
        await outbox.enqueue(tx, person.chat_id, msg, ref=ref, now=svc.now())
        count += 1
    return count


async def notify_person(
    tx: Tx, svc: Services, user_id: int, msg: OutMessage, *, ref: str | None
) -> bool:
    person = await people.get(tx, user_id)
    if person is None or person.chat_id is None:
        return False
    await outbox.enqueue(tx, person.chat_id, msg, ref=ref, now=svc.now())
    return True
