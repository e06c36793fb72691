"""Weekly menus: preview and save /setmenu, copy a week, and the scheduled pushes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.errors import DomainError
from bot.domain.menus import (
    LineProblem,
    MenuWeek,
    monday_of,
    next_monday,
    parse_menu,
)
from bot.domain.messages import OutMessage, Photo
from bot.domain.people import Person
from bot.domain.roles import Role
from bot.render.table import render_table_async
from bot.services.container import Services
from bot.services.people import notify_role
from bot.services.public_chat import public_chat_id
from bot.texts import menus as t
from storage import audit, files, outbox, people
from storage import menus as repo


def _may_edit(by: Person) -> None:
    if not by.has(Role.CANTEEN):
        raise DomainError(t.CANTEEN_ONLY)


@dataclass(frozen=True)
class Preview:
    draft_id: int | None  # None when nothing could be read (no 保存 button then)
    week: MenuWeek
    problems: tuple[LineProblem, ...]
    existing: bool


async def preview(svc: Services, text: str, *, by: Person) -> Preview:
    """Parse the lines and keep them as a draft until 保存 or 取消."""
    _may_edit(by)
    parsed = parse_menu(text, svc.local_now().date())
    week = MenuWeek(parsed.week, dict(parsed.entries))
    async with svc.db.transaction() as tx:
        existing = not (await repo.week(tx, parsed.week)).empty
        draft_id = None
        if not week.empty:
            draft_id = await repo.create_draft(
                tx, parsed.week, week.entries, by=by.user_id, now=svc.now()
            )
    return Preview(draft_id, week, parsed.problems, existing)


async def save_draft(svc: Services, draft_id: int, *, by: Person) -> MenuWeek:
    _may_edit(by)
    now = svc.now()
    async with svc.db.transaction() as tx:
        draft = await repo.get_draft(tx, draft_id)
        if draft is None:
            raise DomainError(t.DRAFT_GONE)
        if not await repo.close_draft(tx, draft_id, "saved"):
            raise DomainError(t.already(draft.state))
        await repo.replace_week(tx, draft.week, draft.entries, by=by.user_id, now=now)
        await audit.record(
            tx,
            now=now,
            actor_id=by.user_id,
            actor_name=by.name,
            action="menu.save",
            subject=f"menu:{draft.week.isoformat()}",
            detail=f"{len(draft.entries)} meals",
        )
    return MenuWeek(draft.week, draft.entries)


async def cancel_draft(svc: Services, draft_id: int, *, by: Person) -> None:
    _may_edit(by)
    async with svc.db.transaction() as tx:
        draft = await repo.get_draft(tx, draft_id)
        if draft is None:
            raise DomainError(t.DRAFT_GONE)
        if not await repo.close_draft(tx, draft_id, "cancelled"):
            raise DomainError(t.already(draft.state))


async def week(svc: Services, monday: date) -> MenuWeek:
    return await repo.week(svc.db, monday)


async def copy_last_week(
    svc: Services, *, by: Person, overwrite: bool = False
) -> tuple[date, date, int]:
    """/copymenu: this week's menu (the one just served) becomes next week's, for editing."""
    _may_edit(by)
    today = svc.local_now().date()
    source, target = monday_of(today), next_monday(today)
    now = svc.now()
    async with svc.db.transaction() as tx:
        src = await repo.week(tx, source)
        if src.empty:
            raise DomainError(t.nothing_to_copy(source))
        if not overwrite and not (await repo.week(tx, target)).empty:
            raise DomainError(t.target_exists(target))
        await repo.replace_week(tx, target, src.entries, by=by.user_id, now=now)
        await audit.record(
            tx,
            now=now,
            actor_id=by.user_id,
            actor_name=by.name,
            action="menu.copy",
            subject=f"menu:{target.isoformat()}",
            detail=f"from {source.isoformat()}",
        )
    return source, target, len(src.entries)


async def picture(week: MenuWeek) -> bytes:
    """The week as a PNG table (days × meals) that reads well on a phone."""
    header, rows = t.table(week)
    return await render_table_async(t.week_title(week.week), header, rows, footer=t.PICTURE_FOOTER)


async def picture_file(svc: Services, week: MenuWeek) -> Photo:
    """The picture saved under BOT_DATA_DIR so the outbox can send it (and resend it after
    a restart)."""
    data = await picture(week)
    rel = await files.save_bytes(svc.settings.data_dir, "menus", data, ".png", now=svc.local_now())
    return Photo(path=rel)


# ---------------------------------------------------------------- pushes (jobs)


async def push_next_week(svc: Services, now: datetime) -> int:
    """Sunday: next week's menu, as the picture followed by the text, to every registered
    person and the public chat. Claimed once per week, so a restart or a second run does
    not send it again. Returns how many chats were queued (0 if already pushed or there
    is no menu)."""
    monday = next_monday(now.astimezone(svc.settings.timezone).date())
    wk = await repo.week(svc.db, monday)
    if wk.empty:
        return 0
    if await repo.pushed(svc.db, "weekly", monday.isoformat()):
        return 0  # skip drawing the picture; claim_push below still decides
    photo = await picture_file(svc, wk)
    # The caption of a photo is limited to 1024 characters: picture first, then the text.
    messages = (OutMessage(t.week_title(wk.week), photos=(photo,)), OutMessage(t.weekly_push(wk)))
    count = 0
    public = await public_chat_id(svc)  # read before the transaction holds the connection
    async with svc.db.transaction() as tx:
        if not await repo.claim_push(tx, "weekly", monday.isoformat(), now):
            return 0
        chats = [p.chat_id for p in await people.all_people(tx) if p.chat_id is not None]
        if public is not None:
            chats.append(public)
        for chat_id in dict.fromkeys(chats):
            for msg in messages:
                await outbox.enqueue(tx, chat_id, msg, ref=None, now=now)
            count += 1
    svc.kick_outbox()
    return count


async def push_today(svc: Services, now: datetime) -> int:
    """06:30: today's menu to the canteen role."""
    today = now.astimezone(svc.settings.timezone).date()
    wk = await repo.week(svc.db, monday_of(today))
    if not wk.day(today.weekday()):
        return 0
    async with svc.db.transaction() as tx:
        if not await repo.claim_push(tx, "today", today.isoformat(), now):
            return 0
        count = await notify_role(
            tx, svc, Role.CANTEEN, OutMessage(t.day_text(wk, today)), ref=None
        )
    svc.kick_outbox()
    return count


async def remind_missing(svc: Services, now: datetime) -> int:
    """Friday noon: if next week has no menu yet, remind the canteen role and admins."""
    monday = next_monday(now.astimezone(svc.settings.timezone).date())
    if not (await repo.week(svc.db, monday)).empty:
        return 0
    msg = OutMessage(t.friday_reminder(monday))
    async with svc.db.transaction() as tx:
        if not await repo.claim_push(tx, "remind", monday.isoformat(), now):
            return 0
        sent: set[int] = set()
        count = 0
        for role in (Role.CANTEEN, Role.ADMIN):
            for person in await people.with_role(tx, role):
                if person.chat_id is None or person.user_id in sent:
                    continue
                sent.add(person.user_id)
                await outbox.enqueue(tx, person.chat_id, msg, ref=None, now=now)
                count += 1
    svc.kick_outbox()
    return count
