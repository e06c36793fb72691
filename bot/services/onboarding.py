"""A whole school joining: school links many people use, join requests an admin approves
(or the roster approves at once), the roster itself, removal, the public group.

Each function owns its transaction and queues its notifications in it (outbox)."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.errors import DomainError
from bot.domain.messages import OutMessage
from bot.domain.people import Person
from bot.domain.roles import Role, parse_role
from bot.domain.roster import RosterPreview, parse_roster, read_table
from bot.protocol import Ref
from bot.services import people as people_service
from bot.services import repairs as repairs_service
from bot.services.container import Services
from bot.services.people import Actor, notify_role
from bot.texts import admin as admin_texts
from bot.texts import onboarding as t
from storage import audit, outbox, people
from storage import onboarding as repo
from storage import settings as kv
from storage.db import Tx
from storage.onboarding import JoinRequest, SchoolLink

MAX_LINK_DAYS = 30
MAX_LINK_USES = 1000


def _require_admin(person: Person) -> None:
    if Role.ADMIN not in person.roles:
        raise DomainError(t.ADMINS_ONLY)


# ---- school links ---------------------------------------------------------------------
@dataclass(frozen=True)
class SchoolInvite:
    role: Role
    max_uses: int | None
    days: int


def parse_school_invite(args: list[str], default_days: int) -> SchoolInvite:
    """``教职工 多人 [7天]`` or ``教职工 30 [3]``."""
    if len(args) not in (2, 3):
        raise DomainError(t.SCHOOL_INVITE_USAGE)
    role = parse_role(args[0])
    if role is Role.ADMIN:
        raise DomainError(t.NO_SCHOOL_LINK_FOR_ADMINS)
    count = args[1].strip().removesuffix("人")
    if count in ("多", "多人", "不限", "全校"):
        max_uses = None
    elif count.isdigit() and 1 <= int(count) <= MAX_LINK_USES:
        max_uses = int(count)
    else:
        raise DomainError(t.SCHOOL_INVITE_USAGE)
    days = default_days
    if len(args) == 3:
        raw = args[2].strip().removesuffix("天")
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_LINK_DAYS:
            raise DomainError(t.link_days_usage(MAX_LINK_DAYS))
        days = int(raw)
    return SchoolInvite(role, max_uses, days)


async def create_school_link(svc: Services, invite: SchoolInvite, *, by: Person) -> str:
    """Returns the code for the deep link (stored only hashed)."""
    _require_admin(by)
    code = secrets.token_urlsafe(24)
    now = svc.now()
    async with svc.db.transaction() as tx:
        link_id = await repo.create_link(
            tx, code, invite.role, max_uses=invite.max_uses, by=by.user_id, now=now,
            expires_at=now + timedelta(days=invite.days),
        )  # fmt: skip
        await audit.record(
            tx, now=now, actor_id=by.user_id, actor_name=by.name, action="link.create",
            subject=f"link:{link_id}", detail=f"{invite.role.value} {invite.max_uses or '多人'}",
        )  # fmt: skip
    return code


async def open_links(svc: Services) -> list[SchoolLink]:
    return await repo.open_links(svc.db, svc.now())


async def revoke_link(svc: Services, link_id: int, *, by: Person) -> SchoolLink:
    _require_admin(by)
    now = svc.now()
    async with svc.db.transaction() as tx:
        link = await repo.link(tx, link_id)
        if link is None:
            raise DomainError(t.LINK_UNKNOWN)
        if not await repo.revoke_link(tx, link_id, by=by.user_id, now=now):
            raise DomainError(t.LINK_ALREADY_REVOKED)
        await audit.record(
            tx, now=now, actor_id=by.user_id, actor_name=by.name, action="link.revoke",
            subject=f"link:{link_id}", detail=f"used {link.uses}",
        )  # fmt: skip
    return link


# ---- opening a link -------------------------------------------------------------------
@dataclass(frozen=True)
class Joined:
    """What opening a code did: registered at once (``role``), or ``waiting``."""

    role: Role | None
    waiting: bool = False


async def open_code(
    svc: Services, code: str, *, user_id: int, name: str, username: str | None, chat_id: int
) -> Joined:
    """A code from a deep link or pasted as text. A single-use invite registers at once;
    a school link makes a join request, approved at once when the roster names them."""
    now = svc.now()
    async with svc.db.transaction() as tx:
        link = await repo.link_by_code(tx, code)
        if link is None:
            registered = None
        else:
            if await people.get(tx, user_id) is not None:
                raise DomainError(t.ALREADY_REGISTERED)
            if await repo.pending_request_of(tx, user_id) is not None:
                raise DomainError(t.STILL_WAITING)
            if link.revoked_at is not None:
                raise DomainError(t.LINK_REVOKED)
            if link.expires_at <= now:
                raise DomainError(t.LINK_EXPIRED)
            if not await repo.use_link(tx, link.id):
                raise DomainError(t.LINK_FULL)
            registered = await _request_or_approve(
                tx, svc, link, user_id=user_id, name=name, username=username, chat_id=chat_id
            )
    if link is None:
        # Not a school link: the single-use invite (its own transaction and messages).
        return Joined(
            await people_service.redeem_invite(
                svc, code, user_id=user_id, name=name, username=username, chat_id=chat_id
            )
        )
    svc.kick_outbox()
    return Joined(registered, waiting=registered is None)


async def _request_or_approve(
    tx: Tx, svc: Services, link: SchoolLink, *, user_id: int, name: str,
    username: str | None, chat_id: int,
) -> Role | None:  # fmt: skip
    now = svc.now()
    entry = await repo.roster_by_name(tx, name)
    note = None
    if entry is not None and entry.user_id is not None and entry.user_id != user_id:
        note, entry = t.ROSTER_TAKEN, None
    elif entry is not None and entry.role is not link.role:
        note, entry = t.roster_other_role(entry.role), None
    if await repo.was_removed(tx, user_id):
        note, entry = t.REJOINING, None  # a removed person never comes back on their own
    if entry is not None:
        await repo.add_request(
            tx, link_id=link.id, user_id=user_id, name=name, username=username,
            chat_id=chat_id, role=link.role, now=now, state="approved", roster_id=entry.id,
        )  # fmt: skip
        await _register(tx, svc, user_id, name, username, chat_id, link.role, by=None)
        await repo.link_roster(tx, entry.id, user_id)
        return link.role
    request_id = await repo.add_request(
        tx, link_id=link.id, user_id=user_id, name=name, username=username, chat_id=chat_id,
        role=link.role, now=now,
    )  # fmt: skip
    await audit.record(
        tx, now=now, actor_id=user_id, actor_name=name, action="join.request",
        subject=f"person:{user_id}", detail=f"{link.role.value} (link:{link.id})",
    )  # fmt: skip
    msg = OutMessage(t.join_request(name, username, link.role, note), t.join_buttons(request_id))
    await notify_role(tx, svc, Role.ADMIN, msg, ref=str(Ref.join(request_id)))
    return None


async def _register(
    tx: Tx, svc: Services, user_id: int, name: str, username: str | None, chat_id: int,
    role: Role, *, by: Person | None,
) -> None:  # fmt: skip
    now = svc.now()
    await people.upsert(tx, user_id=user_id, name=name, username=username, chat_id=chat_id, now=now)
    await people.grant(tx, user_id, role, by=by.user_id if by else None, now=now)
    await audit.record(
        tx, now=now, actor_id=by.user_id if by else user_id, actor_name=by.name if by else name,
        action="role.grant", subject=f"person:{user_id}",
        detail=f"{role.value} ({'approved' if by else 'roster'})",
    )  # fmt: skip


# ---- admins deciding ------------------------------------------------------------------
async def decide(
    svc: Services, request_id: int, *, approve: bool, by: Person, role: Role | None = None
) -> JoinRequest:
    """同意 (optionally as another role) or 拒绝. Once: a second tap is told who decided."""
    _require_admin(by)
    if role is Role.ADMIN:
        raise DomainError(t.ADMIN_ROLE_BY_GRANT)
    now = svc.now()
    async with svc.db.transaction() as tx:
        request = await repo.request(tx, request_id)
        if request is None:
            raise DomainError(t.REQUEST_UNKNOWN)
        if request.state != "pending":
            raise DomainError(t.already_decided(request.state == "approved"))
        chosen = role or request.role
        state = "approved" if approve else "rejected"
        if not await repo.decide(tx, request_id, state, role=chosen, by=by.user_id, now=now):
            raise DomainError(t.already_decided(approve))
        if approve:
            await _register(
                tx, svc, request.user_id, request.name, request.username, request.chat_id,
                chosen, by=by,
            )  # fmt: skip
            entry = await repo.roster_by_name(tx, request.name)
            if entry is not None and entry.user_id is None:
                await repo.link_roster(tx, entry.id, request.user_id)
            text = t.approved_to_applicant(request.name, chosen)
            joined = await people.get(tx, request.user_id)
            # Their big buttons arrive with the welcome: no command to learn first.
            keyboard = t.main_keyboard(joined.roles if joined else {chosen})
        else:
            await audit.record(
                tx, now=now, actor_id=by.user_id, actor_name=by.name, action="join.reject",
                subject=f"person:{request.user_id}",
            )  # fmt: skip
            text = t.REJECTED_TO_APPLICANT
            keyboard = []
        ref = str(Ref.join(request_id))
        await outbox.enqueue_clear_buttons(
            tx, ref, now=now, note=t.decided_note(approve, by.name, chosen)
        )
        welcome = OutMessage(text, keyboard=tuple(tuple(row) for row in keyboard))
        await outbox.enqueue(tx, request.chat_id, welcome, ref=None, now=now)
        decided = await repo.request(tx, request_id)
    svc.kick_outbox()
    assert decided is not None
    return decided


async def check_request(svc: Services, request_id: int, *, by: Person) -> JoinRequest:
    """For 改角色: the request must still be pending before roles are offered."""
    _require_admin(by)
    request = await repo.request(svc.db, request_id)
    if request is None:
        raise DomainError(t.REQUEST_UNKNOWN)
    if request.state != "pending":
        raise DomainError(t.already_decided(request.state == "approved"))
    return request


# ---- roster ---------------------------------------------------------------------------
async def preview_roster(
    svc: Services, data: bytes, filename: str, *, by: Person
) -> tuple[int | None, RosterPreview]:
    """Read and check the file (off the event loop); keep the good rows as a draft for
    导入 / 取消. No draft (None) when nothing can be imported."""
    _require_admin(by)

    def parse() -> RosterPreview:
        return parse_roster(read_table(data, filename))

    preview = await asyncio.to_thread(parse)
    if not preview.entries:
        return None, preview
    async with svc.db.transaction() as tx:
        draft_id = await repo.save_draft(tx, preview.entries, by=by.user_id, now=svc.now())
    return draft_id, preview


@dataclass(frozen=True)
class RosterImport:
    added: int
    updated: int
    linked: int


async def import_roster(svc: Services, draft_id: int, *, by: Person) -> RosterImport:
    _require_admin(by)
    now = svc.now()
    added = updated = linked = 0
    async with svc.db.transaction() as tx:
        entries = await repo.open_draft(tx, draft_id)
        if entries is None or not await repo.close_draft(tx, draft_id, "imported"):
            raise DomainError(t.ROSTER_STALE)
        everyone = {"".join(p.name.split()).lower(): p for p in await people.all_people(tx)}
        for entry in entries:
            if await repo.upsert_roster(tx, entry, by=by.user_id, now=now):
                added += 1
            else:
                updated += 1
            # People already using the bot under the same name count as joined.
            person = everyone.get(entry.key)
            row = await repo.roster_by_name(tx, entry.name)
            if person is not None and row is not None and row.user_id is None:
                await repo.link_roster(tx, row.id, person.user_id)
                linked += 1
        await audit.record(
            tx, now=now, actor_id=by.user_id, actor_name=by.name, action="roster.import",
            subject=f"roster_draft:{draft_id}", detail=f"{added} new, {updated} updated",
        )  # fmt: skip
    return RosterImport(added, updated, linked)


async def cancel_roster(svc: Services, draft_id: int, *, by: Person) -> None:
    _require_admin(by)
    async with svc.db.transaction() as tx:
        if not await repo.close_draft(tx, draft_id, "cancelled"):
            raise DomainError(t.ROSTER_STALE)


async def users_overview(svc: Services, *, by: Person) -> str:
    """Joined people by role, and the roster's people not joined yet, with counts."""
    _require_admin(by)
    everyone = await people.all_people(svc.db)
    joined: dict[Role, list[str]] = {}
    for person in everyone:
        for role in person.roles:
            joined.setdefault(role, []).append(person.name)
    active = {p.user_id for p in everyone}
    names = {"".join(p.name.split()).lower() for p in everyone}
    waiting: dict[Role, list[str]] = {}
    for row in await repo.whole_roster(svc.db):
        if row.user_id in active or "".join(row.name.split()).lower() in names:
            continue
        waiting.setdefault(row.role, []).append(row.name)
    pending = await repo.count_pending(svc.db)
    return t.users_overview(joined, waiting, pending) + "\n\n" + admin_texts.people_list(everyone)


# ---- strangers, removal, groups -------------------------------------------------------
async def first_contact(svc: Services, user_id: int) -> bool:
    """True the first time a stranger writes: they are told their id then, once."""
    async with svc.db.transaction() as tx:
        return await repo.tell_stranger_once(tx, user_id, svc.now())


@dataclass(frozen=True)
class Removal:
    person: Person
    returned: list[int]


async def remove_person(svc: Services, target_id: int, *, by: Person) -> Removal:
    """Takes effect at once: roles go (so every button and command refuses them), their
    open repair jobs go back to the supervisors, and the audit says who removed whom."""
    _require_admin(by)
    now = svc.now()
    async with svc.db.transaction() as tx:
        target = await people.get(tx, target_id)
        if target is None:
            raise DomainError(t.NO_SUCH_PERSON)
        if target_id == by.user_id:
            raise DomainError(t.CANNOT_REMOVE_SELF)
        returned = await repairs_service.return_jobs_of(tx, svc, target_id, by=Actor.of(by))
        await people.deactivate(tx, target_id)
        await audit.record(
            tx, now=now, actor_id=by.user_id, actor_name=by.name, action="person.remove",
            subject=f"person:{target_id}",
            detail=f"{target.name} removed by {by.name}" + (
                f"; jobs returned: {','.join(map(str, returned))}" if returned else ""
            ),
        )  # fmt: skip
    svc.kick_outbox()
    return Removal(target, returned)


async def set_public_chat(svc: Services, chat_id: int, title: str, *, by: Person) -> None:
    _require_admin(by)
    now = svc.now()
    async with svc.db.transaction() as tx:
        await kv.put(tx, kv.PUBLIC_CHAT, str(chat_id), now=now)
        await kv.put(tx, kv.PUBLIC_CHAT_TITLE, title, now=now)
        await audit.record(
            tx, now=now, actor_id=by.user_id, actor_name=by.name, action="public_chat.set",
            subject=f"chat:{chat_id}", detail=title,
        )  # fmt: skip


async def tell_admins_bot_added(svc: Services, chat_id: int, title: str) -> int:
    now = svc.now()
    async with svc.db.transaction() as tx:
        sent = await notify_role(
            tx, svc, Role.ADMIN, OutMessage(t.bot_added(title, chat_id)), ref=None
        )
        await audit.record(
            tx, now=now, actor_id=None, actor_name=None, action="group.added",
            subject=f"chat:{chat_id}", detail=title,
        )  # fmt: skip
    svc.kick_outbox()
    return sent
