"""Patrol rounds: sending them on time (once), the checklist taps, submitting, reminders,
missed rounds, and the admin settings (items, times, roster, holidays)."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain import patrols as rules
from bot.domain.errors import DomainError, RoundClosed
from bot.domain.ids import parse_id
from bot.domain.messages import OutMessage, Photo
from bot.domain.patrols import Check, ItemState, RoundState, Slot
from bot.domain.people import Person
from bot.domain.repairs import patrol_place
from bot.domain.roles import Role
from bot.protocol import Ref, RefKind
from bot.services import repairs
from bot.services.container import Services
from bot.services.people import Actor, notify_person, notify_role
from bot.texts import patrols as t
from storage import audit, outbox, people
from storage import patrols as repo
from storage.db import Database, Tx

log = logging.getLogger(__name__)

# repairs.report_from_patrol's shape: (tx, svc, *, reporter, location, description, photos,
# round_id) -> repair id; tests may pass another filer.
RepairFiler = Callable[..., Awaitable[int]]


def grace(svc: Services) -> timedelta:
    return timedelta(minutes=svc.settings.patrol_grace_minutes)


async def current_times(db: Database | Tx, svc: Services) -> dict[Slot, time]:
    return rules.effective_times(svc.settings.patrol_times, await repo.time_overrides(db))


def _title(svc: Services, rnd: repo.Round) -> str:
    return t.round_title(rnd.slot, rnd.day, rnd.at, svc.settings.timezone)


@dataclass(frozen=True)
class RoundView:
    """What a checklist message shows."""

    round: repo.Round
    checks: list[Check]
    title: str

    def message(self, svc: Services) -> OutMessage:
        text = t.checklist_text(
            self.title,
            self.checks,
            state=self.round.state,
            submitted_by=self.round.submitted_by_name,
            submitted_at=self.round.submitted_at,
            tz=svc.settings.timezone,
        )
        buttons = (
            t.checklist_buttons(self.round.id, self.checks) if self.round.state.is_open else []
        )
        return OutMessage(text, buttons)


async def _view(tx: Database | Tx, svc: Services, round_id: int) -> RoundView:
    rnd = await repo.get_round(tx, round_id)
    if rnd is None:
        raise DomainError(t.ROUND_GONE)
    return RoundView(rnd, await repo.checks(tx, round_id), _title(svc, rnd))


async def view(svc: Services, round_id: int) -> RoundView:
    return await _view(svc.db, svc, round_id)


# ---------------------------------------------------------------- the jobs' work


async def send_due_rounds(svc: Services, now: datetime) -> list[int]:
    """Create and send every round that is due at ``now`` and not sent yet. Safe to call
    any number of times (from the daily job, the watch job, and at start after a restart):
    the (day, slot) row is created once, in the same transaction as its messages."""
    tz = svc.settings.timezone
    local_today = now.astimezone(tz).date()
    sent: list[int] = []
    async with svc.db.transaction() as tx:
        await repo.seed_default_items(tx, now)
        times = await current_times(tx, svc)
        days = [local_today - timedelta(days=1), local_today]
        due = rules.due_rounds(
            now,
            times,
            tz=tz,
            grace=grace(svc),
            holidays=await repo.holidays(tx),
            existing=await repo.round_keys(tx, days),
        )
        if not due:
            return []
        patrollers = [p for p in await people.with_role(tx, Role.PATROL)]
        roster = await repo.roster(tx)
        for plan in due:
            round_id = await repo.create_round(tx, plan.day, plan.slot, plan.at, now)
            if round_id is None:
                continue
            texts = [i.text for i in await repo.items(tx, plan.slot)]
            await repo.add_checks(tx, round_id, texts)
            duty = rules.on_duty(plan.day, roster, [p.user_id for p in patrollers])
            await repo.add_round_people(tx, round_id, duty)
            rv = await _view(tx, svc, round_id)
            delivered = 0
            for user_id in duty:
                if await notify_person(
                    tx, svc, user_id, rv.message(svc), ref=str(Ref(RefKind.PATROL_ROUND, round_id))
                ):
                    delivered += 1
            if not delivered:
                await notify_role(
                    tx, svc, Role.ADMIN, OutMessage(t.nobody_on_duty(rv.title)), ref=None
                )
            await audit.record(
                tx,
                now=now,
                actor_id=None,
                actor_name=None,
                action="patrol.send",
                subject=f"patrol:{round_id}",
                detail=",".join(map(str, duty)),
            )
            sent.append(round_id)
    svc.kick_outbox()
    return sent


async def check_overdue(svc: Services, now: datetime) -> dict[int, rules.Overdue]:
    """One reminder after the grace period; missed 30 minutes later (supervisors alerted)."""
    done: dict[int, rules.Overdue] = {}
    g = grace(svc)
    async with svc.db.transaction() as tx:
        for rnd in await repo.waiting_rounds(tx):
            action = rules.overdue_action(rnd.state, rnd.at, now, g)
            if action is None:
                continue
            title = _title(svc, rnd)
            duty = await repo.round_people(tx, rnd.id)
            if action is rules.Overdue.REMIND:
                if not await repo.mark_reminded(tx, rnd.id, now):
                    continue
                minutes = int(rules.MISSED_AFTER_REMINDER.total_seconds() // 60)
                for user_id, _ in duty:
                    await notify_person(
                        tx, svc, user_id, OutMessage(t.reminder(title, minutes)), ref=None
                    )
                await audit.record(
                    tx,
                    now=now,
                    actor_id=None,
                    actor_name=None,
                    action="patrol.remind",
                    subject=f"patrol:{rnd.id}",
                )
            else:
                if not await repo.mark_missed(tx, rnd.id, now):
                    continue
                msg = OutMessage(t.missed_alert(title, [name for _, name in duty]))
                await notify_role(tx, svc, Role.SUPERVISOR, msg, ref=None)
                await audit.record(
                    tx,
                    now=now,
                    actor_id=None,
                    actor_name=None,
                    action="patrol.missed",
                    subject=f"patrol:{rnd.id}",
                )
            done[rnd.id] = action
    if done:
        svc.kick_outbox()
    return done


# ---------------------------------------------------------------- the checklist


def _may_patrol(person: Person) -> None:
    if not person.has(Role.PATROL):
        raise DomainError(t.NOT_YOUR_ROUND)


async def _open_round(tx: Tx, round_id: int, by: Person) -> repo.Round:
    """The round, if it is still open and ``by`` is one of the people it was sent to (a
    patroller off duty cannot tick someone else's round; admins may step in)."""
    rnd = await repo.get_round(tx, round_id)
    if rnd is None:
        raise DomainError(t.ROUND_GONE)
    if not rnd.state.is_open:
        raise RoundClosed(t.ROUND_CLOSED)
    if Role.ADMIN not in by.roles and by.user_id not in {
        user_id for user_id, _ in await repo.round_people(tx, round_id)
    }:
        raise DomainError(t.NOT_ON_DUTY)
    return rnd


@dataclass(frozen=True)
class TapResult:
    view: RoundView
    state: ItemState


async def tap_item(svc: Services, round_id: int, position: int, *, by: Person) -> TapResult:
    """One tap moves an item one step: 未查 → 正常 → 异常 → 未查. Turning an item 异常
    asks (through a message one can reply to) for a short note and an optional photo."""
    _may_patrol(by)
    now = svc.now()
    async with svc.db.transaction() as tx:
        await _open_round(tx, round_id, by)
        check = next((c for c in await repo.checks(tx, round_id) if c.position == position), None)
        if check is None:
            raise DomainError(t.ROUND_GONE)
        new = check.state.next()
        await repo.set_check_state(tx, round_id, position, new, by=by.user_id, now=now)
        if new is ItemState.ABNORMAL and not check.note:
            await notify_person(
                tx,
                svc,
                by.user_id,
                OutMessage(t.note_prompt(check.item)),
                ref=str(Ref(RefKind.PATROL_CHECK, check.id)),
            )
        rv = await _view(tx, svc, round_id)
    svc.kick_outbox()
    return TapResult(rv, new)


async def mark_all_ok(svc: Services, round_id: int, *, by: Person) -> tuple[RoundView, int]:
    """全部正常: every item not yet checked becomes 正常 (异常 items stay as they are)."""
    _may_patrol(by)
    async with svc.db.transaction() as tx:
        await _open_round(tx, round_id, by)
        changed = await repo.set_unchecked_ok(tx, round_id, by=by.user_id, now=svc.now())
        rv = await _view(tx, svc, round_id)
    return rv, changed


async def add_note(
    svc: Services, check_id: int, *, by: Person, note: str | None, photo: Photo | None = None
) -> RoundView:
    """A reply to the prompt of an abnormal item: its note and/or photo. A text reply
    replaces the note (a correction); a photo's caption is added to a note already there."""
    _may_patrol(by)
    now = svc.now()
    clean = " ".join((note or "").split())[:500]
    async with svc.db.transaction() as tx:
        found = await repo.get_check(tx, check_id)
        if found is None:
            raise DomainError(t.ROUND_GONE)
        round_id, check = found
        await _open_round(tx, round_id, by)
        if check.state is not ItemState.ABNORMAL:
            raise DomainError(t.NOTE_NOT_ABNORMAL)
        if clean and photo is not None and check.note and clean not in check.note:
            clean = f"{check.note}；{clean}"[:500]
        if clean:
            await repo.set_note(tx, check_id, clean, now=now)
        if photo is not None:
            await repo.set_photo(tx, check_id, photo.file_id, photo.path, now=now)
        await audit.record(
            tx,
            now=now,
            actor_id=by.user_id,
            actor_name=by.name,
            action="patrol.note",
            subject=f"patrol:{round_id}",
            detail=f"{check.position}. {clean}" + (" +photo" if photo is not None else ""),
        )
        rv = await _view(tx, svc, round_id)
    return rv


async def item_waiting_for_note(svc: Services, person: Person) -> int | None:
    """The one ⚠️ item without a note in an open round sent to ``person``: a note they send
    without replying is for it. None if there is none, or several (then a reply decides)."""
    if not person.has(Role.PATROL):
        return None
    waiting: list[int] = []
    for rnd in await repo.waiting_rounds(svc.db):
        people = {user_id for user_id, _ in await repo.round_people(svc.db, rnd.id)}
        if person.user_id not in people:
            continue
        waiting += [
            c.id
            for c in await repo.checks(svc.db, rnd.id)
            if c.state is ItemState.ABNORMAL and not c.note
        ]
    return waiting[0] if len(waiting) == 1 else None


@dataclass(frozen=True)
class Submitted:
    view: RoundView
    state: RoundState
    repair_ids: list[int]


async def submit(
    svc: Services, round_id: int, *, by: Person, file_repair: RepairFiler | None = None
) -> Submitted:
    """提交: on time within the grace period, else late. Each abnormal item becomes a
    repair report linked to the round; supervisors get one summary. All in one transaction,
    so a failure leaves the round open and nothing half-filed."""
    _may_patrol(by)
    filer = file_repair or repairs.report_from_patrol
    now = svc.now()
    actor = Actor.of(by)
    async with svc.db.transaction() as tx:
        rnd = await _open_round(tx, round_id, by)
        checks = await repo.checks(tx, round_id)
        problem = rules.submission_problems(checks)
        if problem:
            raise DomainError(problem)
        state = rules.submitted_state(rnd.at, now, grace(svc))
        if not await repo.mark_submitted(tx, round_id, state, by=by.user_id, now=now):
            raise RoundClosed(t.ROUND_CLOSED)
        repair_ids: dict[int, int] = {}
        for c in checks:
            if c.state is not ItemState.ABNORMAL:
                continue
            photos = (
                (Photo(c.photo_file_id, c.photo_path),) if (c.photo_file_id or c.photo_path) else ()
            )
            repair_id = await filer(
                tx,
                svc,
                reporter=actor,
                location=patrol_place(c.item, c.note),
                description=t.repair_description(c.item, c.note),
                photos=photos,
                round_id=round_id,
            )
            await repo.set_repair(tx, c.id, repair_id)
            repair_ids[c.id] = repair_id
        rv = await _view(tx, svc, round_id)
        await notify_role(
            tx,
            svc,
            Role.SUPERVISOR,
            OutMessage(t.summary(rv.title, by.name, state, rv.checks, repair_ids)),
            ref=None,
            exclude={by.user_id},
        )
        await audit.record(
            tx,
            now=now,
            actor_id=by.user_id,
            actor_name=by.name,
            action="patrol.submit",
            subject=f"patrol:{round_id}",
            detail=f"{state.value}; repairs={sorted(repair_ids.values())}",
        )
    svc.kick_outbox()
    return Submitted(rv, state, list(repair_ids.values()))


async def checklist_messages(svc: Services, round_id: int) -> list[tuple[int, int]]:
    """Every (chat, message) showing this round's checklist, to edit them all in place."""
    return await repo.checklist_messages(svc.db, round_id)


@asynccontextmanager
async def editing_directly(svc: Services, chat_id: int, message_id: int) -> AsyncIterator[None]:
    """Around editing one copy of a checklist at once: no refresh of that copy is in flight
    meanwhile, and one still waiting (an older state) is dropped."""
    async with svc.message_locks.hold(outbox.refresh_key(chat_id, message_id)):
        async with svc.db.transaction(settles=False) as tx:
            await outbox.drop_refresh(tx, chat_id, message_id)
        yield


async def refresh_checklists(
    svc: Services, rv: RoundView, *, shown: tuple[int, int] | None = None
) -> int:
    """Bring every copy of the round's checklist to its current state, except ``shown``
    (the copy the tapper sees, edited at once by the handler). Through the outbox's bulk
    lane and coalesced, so twenty fast taps on a round sent to 120 people make at most one
    edit per copy every few seconds, each showing the latest state, and never delay an
    answer. The state is read in the same transaction that queues it: of two taps side by
    side, the later commit carries the later state."""
    now = svc.now()
    async with svc.db.transaction() as tx:
        msg = (await _view(tx, svc, rv.round.id)).message(svc)
        targets = await repo.checklist_messages(tx, rv.round.id)
        for chat_id, message_id in targets:
            if (chat_id, message_id) != shown:
                await outbox.enqueue_refresh(tx, chat_id, message_id, msg, now=now)
    svc.kick_outbox()
    return len(targets) - (shown in targets)


# ---------------------------------------------------------------- records


UNSTAFFED = t.UNSTAFFED


@dataclass(frozen=True)
class RoundRecord:
    round: repo.Round
    title: str
    people: list[str]
    checks: list[Check]

    @property
    def result(self) -> str:
        bad = sum(c.state is ItemState.ABNORMAL for c in self.checks)
        if not self.people and self.round.state not in (RoundState.SUBMITTED, RoundState.LATE):
            return UNSTAFFED  # sent to nobody: not a round anyone missed
        label = self.round.state.label
        if self.round.state is RoundState.LATE and self.round.missed_at:
            label = t.LATE_AFTER_MISSED
        if self.round.state in (RoundState.SUBMITTED, RoundState.LATE):
            return t.round_result(label, bad)
        return label

    @property
    def who(self) -> str:
        if self.round.submitted_by_name:
            return self.round.submitted_by_name
        return self.on_duty

    @property
    def on_duty(self) -> str:
        """The people the round was sent to (未排班 when nobody)."""
        return t.people_on_duty(self.people)

    def detail(self, tz: ZoneInfo) -> str:
        """What a supervisor reads of one round: each item with who checked it and when,
        and who submitted the round."""
        r = self.round
        return t.round_detail(
            self.title,
            self.result,
            self.on_duty,
            self.checks,
            submitted_by=r.submitted_by_name,
            submitted_at=r.submitted_at,
            tz=tz,
        )


async def records(
    svc: Services, first: date, end: date, *, slot: Slot | None = None
) -> list[RoundRecord]:
    rounds = await repo.rounds_between(svc.db, first, end)
    checks = await repo.checks_for_rounds(svc.db, [r.id for r in rounds])
    result = []
    for rnd in rounds:
        if slot is not None and rnd.slot is not slot:
            continue
        names = [n for _, n in await repo.round_people(svc.db, rnd.id)]
        result.append(RoundRecord(rnd, _title(svc, rnd), names, checks.get(rnd.id, [])))
    return result


def parse_records_query(arg: str | None, today: date) -> tuple[date, Slot | None]:
    """``/patrols`` arguments: a day (default today), optionally followed by a round
    (``11-23 早间``, or just ``晚间`` for today's) to see that round item by item."""
    parts = (arg or "").split()
    slot: Slot | None = None
    if parts:
        try:
            slot = rules.parse_slot(parts[-1])
            parts.pop()
        except DomainError:
            slot = None
    return parse_day_arg(" ".join(parts), today), slot


def parse_day_arg(arg: str | None, today: date) -> date:
    key = (arg or "").strip()
    if key in ("", "今天", "today"):
        return today
    if key in ("昨天", "yesterday"):
        return today - timedelta(days=1)
    if key == "前天":
        return today - timedelta(days=2)
    if m := _MONTH_DAY_RE.fullmatch(key):  # 11-22 or 11月22日: this year, as /purchases reads it
        try:
            return date(today.year, int(m[1]), int(m[2]))
        except ValueError:
            raise DomainError(t.no_such_day(key)) from None
    return rules.parse_date(key)


_MONTH_DAY_RE = re.compile(r"(\d{1,2})[-/.月](\d{1,2})日?")


ExportCell = str | int | date | datetime | None


def export_rows(svc: Services, recs: list[RoundRecord]) -> list[list[ExportCell]]:
    """One row per checked item: the 安全检查记录 the school keeps, naming who was on duty,
    who submitted the round (提交人) and who checked each item (检查人). Dates stay dates
    and times datetimes, so the sheet sorts and filters properly."""
    tz = svc.settings.timezone
    rows: list[list[ExportCell]] = []
    for rec in recs:
        r = rec.round
        base: list[ExportCell] = [
            r.day,
            r.slot.short,
            f"{r.at.astimezone(tz):%H:%M}",
            rec.on_duty,
            r.submitted_by_name or "",
            r.submitted_at,
            rec.result,
        ]
        if not rec.checks:
            rows.append([*base, "", "", "", None, "", ""])
        for c in rec.checks:
            rows.append(
                [
                    *base,
                    c.item,
                    c.state.label,
                    c.checked_by_name or "",
                    c.checked_at,
                    c.note or "",
                    f"#{c.repair_id}" if c.repair_id else "",
                ]
            )
    return rows


# ---------------------------------------------------------------- admin settings


def _admin(by: Person) -> None:
    if not by.has(Role.ADMIN):
        raise DomainError(t.SETTINGS_ADMIN_ONLY)


async def items_by_slot(svc: Services) -> dict[Slot, list[str]]:
    async with svc.db.transaction() as tx:
        await repo.seed_default_items(tx, svc.now())
        return {s: [i.text for i in await repo.items(tx, s)] for s in rules.SLOTS}


async def add_item(svc: Services, slot_text: str, text: str, *, by: Person) -> tuple[Slot, str]:
    _admin(by)
    slot = rules.parse_slot(slot_text)
    clean = rules.validate_item_text(text)
    now = svc.now()
    async with svc.db.transaction() as tx:
        await repo.seed_default_items(tx, now)
        if len(await repo.items(tx, slot)) >= rules.MAX_ITEMS:
            raise DomainError(t.too_many_items(rules.MAX_ITEMS))
        await repo.add_item(tx, slot, clean, now)
        await audit.record(
            tx,
            now=now,
            actor_id=by.user_id,
            actor_name=by.name,
            action="patrol.item_add",
            detail=f"{slot.value}: {clean}",
        )
    return slot, clean


async def remove_item(
    svc: Services, slot_text: str, number_text: str, *, by: Person
) -> tuple[Slot, str]:
    _admin(by)
    slot = rules.parse_slot(slot_text)
    now = svc.now()
    async with svc.db.transaction() as tx:
        await repo.seed_default_items(tx, now)
        current = await repo.items(tx, slot)
        number = parse_id(number_text)  # bounded: a huge number is just out of range
        if not number or number > len(current):
            raise DomainError(t.which_item_to_delete(len(current)))
        item = current[number - 1]
        await repo.deactivate_item(tx, item.id)
        await audit.record(
            tx,
            now=now,
            actor_id=by.user_id,
            actor_name=by.name,
            action="patrol.item_remove",
            detail=f"{slot.value}: {item.text}",
        )
    return slot, item.text


async def times(svc: Services) -> dict[Slot, time]:
    return await current_times(svc.db, svc)


async def set_times(svc: Services, text: str, *, by: Person) -> dict[Slot, time]:
    """Stored in the DB; the caller reschedules the jobs with the result."""
    _admin(by)
    new = rules.parse_patrol_times(text)
    now = svc.now()
    async with svc.db.transaction() as tx:
        await repo.set_times(tx, new, by=by.user_id, now=now)
        await audit.record(
            tx,
            now=now,
            actor_id=by.user_id,
            actor_name=by.name,
            action="patrol.times",
            detail=",".join(rules.fmt_time(new[s]) for s in rules.SLOTS),
        )
    return new


async def roster(svc: Services) -> tuple[list[rules.RosterEntry], dict[int, str]]:
    entries = await repo.roster(svc.db, from_day=svc.local_now().date())
    names = {p.user_id: p.name for p in await people.all_people(svc.db)}
    return entries, names


def _find_patroller(token: str, patrollers: list[Person]) -> Person:
    key = token.strip().lstrip("@")
    for p in patrollers:
        if (
            key in (p.name, "".join(p.name.split()))  # "三 张" (first and last name) as 三张
            or (p.username and key.lower() == p.username.lower())
            or key == str(p.user_id)
        ):
            return p
    raise DomainError(t.no_such_patroller(token, [(p.name, p.user_id) for p in patrollers]))


async def set_roster(svc: Services, text: str, *, by: Person) -> tuple[str, list[str]]:
    """``周一 张三 李四`` / ``2027-03-01 张三`` / ``周一 清空``: replaces that day's duty."""
    _admin(by)
    parts = [p for p in re.split(r"[\s,，、]+", text.strip()) if p]
    if len(parts) < 2:
        raise DomainError(t.ROSTER_USAGE)
    key = rules.parse_roster_day(parts[0])
    label = key.isoformat() if isinstance(key, date) else rules.WEEKDAYS[key]
    now = svc.now()
    async with svc.db.transaction() as tx:
        if parts[1] in ("清空", "清除", "无", "删除"):
            chosen: list[Person] = []
        else:
            patrollers = await people.with_role(tx, Role.PATROL)
            chosen = list(
                {
                    p.user_id: p for p in (_find_patroller(tok, patrollers) for tok in parts[1:])
                }.values()
            )
        await repo.clear_roster_key(tx, key)
        for p in chosen:
            await repo.add_roster(tx, key, p.user_id, by=by.user_id, now=now)
        await audit.record(
            tx,
            now=now,
            actor_id=by.user_id,
            actor_name=by.name,
            action="patrol.roster",
            detail=f"{label}: {','.join(str(p.user_id) for p in chosen)}",
        )
    return label, [p.name for p in chosen]


async def holidays(svc: Services) -> list[rules.Holiday]:
    return await repo.holidays(svc.db)


async def add_holiday(svc: Services, text: str, *, by: Person) -> tuple[date, date]:
    _admin(by)
    first, last = rules.parse_holiday(text)
    now = svc.now()
    async with svc.db.transaction() as tx:
        await repo.add_holiday(tx, first, last, by=by.user_id, now=now)
        await audit.record(
            tx,
            now=now,
            actor_id=by.user_id,
            actor_name=by.name,
            action="patrol.holiday",
            detail=f"{first}..{last}",
        )
    return first, last


async def remove_holiday(svc: Services, id_text: str, *, by: Person) -> None:
    _admin(by)
    holiday_id = parse_id(id_text)
    if holiday_id is None:
        raise DomainError(t.HOLIDAY_DELETE_USAGE)
    now = svc.now()
    async with svc.db.transaction() as tx:
        if not await repo.remove_holiday(tx, holiday_id):
            raise DomainError(t.NO_SUCH_HOLIDAY)
        await audit.record(
            tx,
            now=now,
            actor_id=by.user_id,
            actor_name=by.name,
            action="patrol.holiday_remove",
            detail=str(holiday_id),
        )
