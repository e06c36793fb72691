"""食品安全台账: sending the day's records on time (once), the checklist taps, reminders and
escalation, the 48-hour sample discard, 健康证 reminders, rotas, the purchase check, the
month's workbook and the /report section. Each user action is one transaction; the
notifications it causes are outbox rows in that transaction."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from bot.domain import foodsafety as rules
from bot.domain import patrols as patrol_rules
from bot.domain.errors import DomainError
from bot.domain.foodsafety import Duty, Entry, Health, Key, Kind, Method, Plan, Worker
from bot.domain.menus import Meal, MenuWeek, monday_of
from bot.domain.messages import OutMessage, Photo
from bot.domain.patrols import Overdue, RoundState
from bot.domain.people import Person
from bot.domain.purchases import Purchase
from bot.domain.roles import Role
from bot.exports.xlsx import CellValue, Sheet, write_xlsx
from bot.protocol import Ref, RefKind
from bot.render import offload
from bot.services.container import Services
from bot.services.people import notify_person, notify_role
from bot.texts import foodsafety as t
from storage import audit, files, outbox, people
from storage import foodsafety as repo
from storage import menus as menu_repo
from storage import patrols as patrol_repo
from storage import purchases as purchase_repo
from storage.db import Database, Tx

CANTEEN_KINDS = (Kind.HEALTH, Kind.SAMPLE, Kind.DISINFECT)
CERT_CHECK_FROM = time(8, 0)  # 健康证 reminders with the supplier ones, in office hours


def ref(record_id: int) -> str:
    return str(Ref(RefKind.FOOD_RECORD, record_id))


def _discard_ref(record_id: int) -> str:
    """Sent with the discard notices and matched exactly when one is tapped 已处理."""
    return str(Ref(RefKind.FOOD_DISCARD, record_id))


async def _audit(
    tx: Tx,
    now: datetime,
    by: Person | None,
    action: str,
    subject: str | None = None,
    detail: str | None = None,
) -> None:
    """One line of the food-safety audit trail (``fs.<action>``); ``by`` None: a job."""
    await audit.record(
        tx,
        now=now,
        actor_id=by.user_id if by is not None else None,
        actor_name=by.name if by is not None else None,
        action=f"fs.{action}",
        subject=subject,
        detail=detail,
    )


def _title(rec: repo.Record) -> str:
    return t.record_title(rec.kind, rec.day, rec.meal)


# ---------------------------------------------------------------- views


@dataclass(frozen=True)
class RecordView:
    """What a record's message shows."""

    record: repo.Record
    entries: list[Entry]
    workers: dict[int, Worker] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return _title(self.record)

    def message(self, svc: Services) -> OutMessage:
        rec = self.record
        tz = svc.settings.timezone
        state_line = t.state_line(rec.state, rec.done_by_name, rec.done_at, tz)
        open_ = rec.state.is_open
        if rec.kind is Kind.HEALTH:
            today = rec.day
            text = t.health_text(self.title, self.entries, self.workers, today, state_line)
            buttons = t.health_buttons(rec.id, self.entries) if open_ else []
        elif rec.kind is Kind.SAMPLE:
            text = t.sample_text(self.title, self.entries, state_line)
            buttons = t.sample_buttons(rec.id, self.entries) if open_ else []
        elif rec.kind is Kind.DISINFECT:
            text = t.disinfect_text(self.title, rec.data, state_line)
            buttons = t.disinfect_buttons(rec.id) if open_ else []
        else:
            ratings = _ratings(rec)
            has_photo = bool(rec.photo_file_id or rec.photo_path)
            text = t.accompany_text(self.title, ratings, rec.note, has_photo, state_line)
            buttons = t.accompany_buttons(rec.id, ratings) if open_ else []
        return OutMessage(text, buttons)


def _ratings(rec: repo.Record) -> dict[str, int]:
    raw = rec.data.get("ratings") or {}
    return {a: int(raw[a]) for a in rules.ASPECTS if str(raw.get(a, "")).isdigit()}


async def _view(db: Database | Tx, record_id: int) -> RecordView:
    rec = await repo.get(db, record_id)
    if rec is None:
        raise DomainError(t.RECORD_GONE)
    workers = await repo.all_workers(db) if rec.kind is Kind.HEALTH else {}
    return RecordView(rec, await repo.entries(db, record_id), workers)


async def view(svc: Services, record_id: int) -> RecordView:
    return await _view(svc.db, record_id)


async def record_messages(svc: Services, record_id: int) -> list[tuple[int, int]]:
    return await repo.messages(svc.db, record_id)


# ---------------------------------------------------------------- what a day needs


class _Calendar:
    """What the days need, read once: the published menus (a week at a time), the 陪餐
    rota and who may lead it. A month or a year of /report is then a few queries, not a
    few per day."""

    def __init__(self, db: Database | Tx, svc: Services) -> None:
        self.db = db
        self.tz = svc.settings.timezone
        self._weeks: dict[date, MenuWeek] = {}
        self._rota: list[patrol_rules.RosterEntry] | None = None
        self._allowed: set[int] = set()
        self._times: rules.Times | None = None

    async def served(self, day: date) -> dict[Meal, tuple[str, ...]]:
        """The meals of ``day`` on the published menu, with their dishes."""
        monday = monday_of(day)
        if monday not in self._weeks:
            self._weeks[monday] = await menu_repo.week(self.db, monday)
        return self._weeks[monday].day(day.weekday())

    async def read_weeks(self, first: date, end: date) -> None:
        """The menus of [first, end) at once, instead of a query per week."""
        self._weeks.update(await menu_repo.weeks_between(self.db, monday_of(first), monday_of(end)))

    async def leaders(self, day: date) -> list[int]:
        """The 陪餐 leaders on the rota for ``day`` who still hold the leader or admin role."""
        if self._rota is None:
            self._rota = await repo.roster(self.db, Duty.ACCOMPANY)
            self._allowed = {
                p.user_id
                for r in (Role.LEADER, Role.ADMIN)
                for p in await people.with_role(self.db, r)
            }
        return [u for u in rules.rostered(day, self._rota) if u in self._allowed]

    async def plans(self, day: date) -> list[Plan]:
        if self._times is None:
            self._times = await repo.times(self.db)
        served = await self.served(day)
        accompany = bool(await self.leaders(day))
        return rules.day_plans(day, served, tz=self.tz, accompany=accompany, times=self._times)


async def _canteen_people(tx: Tx) -> list[int]:
    """Who gets the canteen's records: the canteen managers, else the admins."""
    for role in (Role.CANTEEN, Role.ADMIN):
        found = [p.user_id for p in await people.with_role(tx, role) if p.chat_id is not None]
        if found:
            return found
    return []


# ---------------------------------------------------------------- the jobs' work


async def send_due(svc: Services, now: datetime) -> list[int]:
    """Create and send every record due at ``now`` and not sent yet. Safe to call any
    number of times (timed jobs, the watch job, at start): the (kind, day, meal) row is
    created once, in the same transaction as its messages."""
    local = now.astimezone(svc.settings.timezone)
    days = [local.date() - timedelta(days=1), local.date()]
    sent: list[int] = []
    async with svc.db.transaction() as tx:
        calendar = _Calendar(tx, svc)
        plans = [p for d in days for p in await calendar.plans(d)]
        due = rules.due_plans(
            local,
            plans,
            holidays=await patrol_repo.holidays(tx),
            existing=await repo.keys(tx, days),
        )
        for plan in due:
            record_id = await repo.create_record(tx, plan.kind, plan.day, plan.meal, plan.at, now)
            if record_id is None:
                continue
            title = t.record_title(plan.kind, plan.day, plan.meal)
            if plan.kind is Kind.HEALTH:
                workers = await repo.workers(tx)
                await repo.add_entries(tx, record_id, [(w.name, w.id) for w in workers])
                if not workers:
                    await notify_role(
                        tx, svc, Role.ADMIN, OutMessage(t.no_workers(title)), ref=None
                    )
            elif plan.kind is Kind.SAMPLE:
                assert plan.meal is not None
                dishes = (await calendar.served(plan.day)).get(plan.meal, ())
                await repo.add_entries(tx, record_id, [(d, None) for d in dishes])
            duty = (
                await calendar.leaders(plan.day)
                if plan.kind is Kind.ACCOMPANY
                else await _canteen_people(tx)
            )
            await repo.add_people(tx, record_id, duty)
            rv = await _view(tx, record_id)
            delivered = 0
            for user_id in duty:
                if await notify_person(tx, svc, user_id, rv.message(svc), ref=ref(record_id)):
                    delivered += 1
            if not delivered:
                await notify_role(
                    tx, svc, Role.ADMIN, OutMessage(t.nobody_to_send(title)), ref=None
                )
            await _audit(
                tx,
                now,
                None,
                "send",
                ref(record_id),
                f"{plan.kind.value} {plan.day} {plan.meal.value if plan.meal else ''} -> {duty}",
            )
            sent.append(record_id)
    if sent:
        svc.kick_outbox()
    return sent


async def check_overdue(svc: Services, now: datetime) -> dict[int, Overdue]:
    """One reminder after the grace period; 30 minutes later the admins are told (for a
    留样, which dishes still lack their sample) — the patrol rule, reused."""
    done: dict[int, Overdue] = {}
    async with svc.db.transaction() as tx:
        for rec in await repo.waiting(tx):
            action = patrol_rules.overdue_action(rec.state, rec.at, now, rules.GRACE)
            if action is None:
                continue
            title = _title(rec)
            duty = await repo.record_people(tx, rec.id)
            if action is Overdue.REMIND:
                if not await repo.mark_reminded(tx, rec.id, now):
                    continue
                minutes = int(patrol_rules.MISSED_AFTER_REMINDER.total_seconds() // 60)
                for user_id, _ in duty:
                    await notify_person(
                        tx, svc, user_id, OutMessage(t.reminder(title, minutes)), ref=None
                    )
            else:
                if not await repo.mark_missed(tx, rec.id, now):
                    continue
                names = [n for _, n in duty]
                if rec.kind is Kind.SAMPLE:
                    missing = rules.missing_samples(await repo.entries(tx, rec.id))
                    text = t.sample_escalation(title, [e.label for e in missing], names)
                else:
                    text = t.missed_alert(title, names)
                await notify_role(tx, svc, Role.ADMIN, OutMessage(text), ref=None)
            await _audit(tx, now, None, action.value, ref(rec.id))
            done[rec.id] = action
    if done:
        svc.kick_outbox()
    return done


async def send_discard_notices(svc: Services, now: datetime) -> list[int]:
    """48 hours after a meal's samples were kept, tell the canteen manager which may be
    discarded (once per meal; the 已处理 button records who did it)."""
    sent: list[int] = []
    tz = svc.settings.timezone
    async with svc.db.transaction() as tx:
        for rec in await repo.samples_to_discard(tx, now - rules.SAMPLE_KEEP):
            if not await repo.mark_discard_sent(tx, rec.id, now):
                continue
            kept = [e.label for e in await repo.entries(tx, rec.id) if e.has_photo]
            msg = OutMessage(
                t.discard_notice(_title(rec), kept, rec.at, tz), t.discard_buttons(rec.id)
            )
            for user_id in await _canteen_people(tx):
                await notify_person(tx, svc, user_id, msg, ref=_discard_ref(rec.id))
            await _audit(tx, now, None, "discard_notice", ref(rec.id))
            sent.append(rec.id)
    if sent:
        svc.kick_outbox()
    return sent


async def flag_certificates(svc: Services, now: datetime) -> list[Worker]:
    """健康证 30 and 7 days before expiry and when expired, to the canteen managers and the
    admins; the stage is remembered, so the watch job running every minute stays quiet."""
    local = now.astimezone(svc.settings.timezone)
    if local.time() < CERT_CHECK_FROM:
        return []
    today = local.date()
    flagged = []
    async with svc.db.transaction() as tx:
        for worker in await repo.workers(tx):
            stage = rules.cert_stage(worker.cert_expires, today)
            if stage <= worker.flag_stage:
                continue
            msg = OutMessage(t.cert_reminder(worker, today))
            told = set()
            for role in (Role.CANTEEN, Role.ADMIN):
                for person in await people.with_role(tx, role):
                    if person.chat_id is not None and person.user_id not in told:
                        await outbox.enqueue(tx, person.chat_id, msg, ref=None, now=now)
                        told.add(person.user_id)
            await repo.set_flag_stage(tx, worker.id, stage)
            await _audit(
                tx,
                now,
                None,
                "cert_reminder",
                f"worker:{worker.id}",
                f"stage {stage}, {worker.cert_expires}",
            )
            flagged.append(worker)
    if flagged:
        svc.kick_outbox()
    return flagged


# ---------------------------------------------------------------- taps


async def _open_record(tx: Tx, record_id: int, by: Person) -> repo.Record:
    """The record, if still open and ``by`` may fill it: the canteen manager for 晨检,
    留样 and 消毒; the leader it was sent to for 陪餐 (admins may step in)."""
    rec = await repo.get(tx, record_id)
    if rec is None:
        raise DomainError(t.RECORD_GONE)
    if rec.kind is Kind.ACCOMPANY:
        duty = {u for u, _ in await repo.record_people(tx, record_id)}
        if Role.ADMIN not in by.roles and by.user_id not in duty:
            raise DomainError(t.NOT_YOUR_FORM)
    elif not by.has(Role.CANTEEN):
        raise DomainError(t.NOT_CANTEEN)
    if not rec.state.is_open:
        raise DomainError(t.RECORD_CLOSED)
    return rec


async def _complete_if_ready(
    tx: Tx, rec: repo.Record, by: Person, now: datetime
) -> RoundState | None:
    """晨检 when everyone has a status, 留样 when every dish has its photo and weight."""
    entries = await repo.entries(tx, rec.id)
    if rec.kind is Kind.HEALTH:
        ready = rules.health_complete(entries)
    elif rec.kind is Kind.SAMPLE:
        ready = not rules.missing_samples(entries)
    else:
        ready = True
    if not ready:
        return None
    return await _finish(tx, rec, by, now)


async def _finish(tx: Tx, rec: repo.Record, by: Person, now: datetime) -> RoundState:
    state = rules.done_state(rec.at, now)
    if not await repo.mark_done(tx, rec.id, state, by=by.user_id, now=now):
        raise DomainError(t.RECORD_CLOSED)
    await _audit(tx, now, by, "done", ref(rec.id), state.value)
    return state


@dataclass(frozen=True)
class TapResult:
    view: RecordView
    done: RoundState | None = None
    note: str | None = None


async def set_health(
    svc: Services, record_id: int, position: int, status: Health, *, by: Person
) -> TapResult:
    """健康 / 有症状 / 请假 for one worker; 有症状 asks which symptom and says the person must
    not handle food today."""
    now = svc.now()
    async with svc.db.transaction() as tx:
        rec = await _open_record(tx, record_id, by)
        if rec.kind is not Kind.HEALTH or status is Health.UNCHECKED:
            raise DomainError(t.RECORD_GONE)
        entry = next((e for e in await repo.entries(tx, record_id) if e.position == position), None)
        if entry is None or not await repo.set_status(
            tx, record_id, position, status, by=by.user_id, now=now
        ):
            raise DomainError(t.RECORD_GONE)
        if status is Health.UNWELL:
            await notify_person(
                tx,
                svc,
                by.user_id,
                OutMessage(t.symptom_prompt(entry.label), t.symptom_buttons(entry.id)),
                ref=f"fssym:{entry.id}",
            )
        await _audit(tx, now, by, "health", ref(record_id), f"{entry.label}: {status.value}")
        done = await _complete_if_ready(tx, rec, by, now)
        rv = await _view(tx, record_id)
    svc.kick_outbox()
    return TapResult(rv, done)


async def all_healthy(svc: Services, record_id: int, *, by: Person) -> TapResult:
    now = svc.now()
    async with svc.db.transaction() as tx:
        rec = await _open_record(tx, record_id, by)
        if rec.kind is not Kind.HEALTH:
            raise DomainError(t.RECORD_GONE)
        changed = await repo.set_unchecked_healthy(tx, record_id, by=by.user_id, now=now)
        done = await _complete_if_ready(tx, rec, by, now)
        rv = await _view(tx, record_id)
    return TapResult(rv, done, None if changed or done else t.NOTHING_CHANGED)


@dataclass(frozen=True)
class SymptomResult:
    record_id: int
    text: str


async def set_symptom(svc: Services, entry_id: int, index: int, *, by: Person) -> SymptomResult:
    if not 0 <= index < len(rules.SYMPTOMS):
        raise DomainError(t.RECORD_GONE)
    symptom = rules.SYMPTOMS[index]
    now = svc.now()
    async with svc.db.transaction() as tx:
        found = await repo.get_entry(tx, entry_id)
        if found is None:
            raise DomainError(t.RECORD_GONE)
        record_id, entry = found
        rec = await repo.get(tx, record_id)
        if rec is None or rec.kind is not Kind.HEALTH or not by.has(Role.CANTEEN):
            raise DomainError(t.NOT_CANTEEN)
        if entry.status is not Health.UNWELL:
            raise DomainError(f"{entry.label} 现在不是「有症状」。")
        await repo.set_entry_note(tx, entry_id, symptom, by=by.user_id, now=now)
        await notify_role(
            tx,
            svc,
            Role.ADMIN,
            OutMessage(t.unwell_alert(_title(rec), entry.label, symptom)),
            ref=None,
            exclude={by.user_id},
        )
        await _audit(tx, now, by, "symptom", ref(record_id), f"{entry.label}: {symptom}")
    svc.kick_outbox()
    return SymptomResult(record_id, t.symptom_saved(entry.label, symptom))


async def toggle_weighed(
    svc: Services, record_id: int, position: int | None, *, by: Person
) -> TapResult:
    """⚖️ one dish (toggles), or every dish at once (position None)."""
    now = svc.now()
    async with svc.db.transaction() as tx:
        rec = await _open_record(tx, record_id, by)
        if rec.kind is not Kind.SAMPLE:
            raise DomainError(t.RECORD_GONE)
        entries = await repo.entries(tx, record_id)
        if position is None:
            await repo.set_weighed(tx, record_id, None, True, by=by.user_id, now=now)
        else:
            entry = next((e for e in entries if e.position == position), None)
            if entry is None:
                raise DomainError(t.RECORD_GONE)
            await repo.set_weighed(
                tx, record_id, position, not entry.weighed, by=by.user_id, now=now
            )
        done = await _complete_if_ready(tx, rec, by, now)
        rv = await _view(tx, record_id)
    return TapResult(rv, done)


async def ask_dish_photo(svc: Services, record_id: int, position: int, *, by: Person) -> None:
    """Tapping a dish asks for its sample photo with a message one replies to."""
    async with svc.db.transaction() as tx:
        rec = await _open_record(tx, record_id, by)
        entry = next((e for e in await repo.entries(tx, record_id) if e.position == position), None)
        if rec.kind is not Kind.SAMPLE or entry is None:
            raise DomainError(t.RECORD_GONE)
        await notify_person(
            tx,
            svc,
            by.user_id,
            OutMessage(t.dish_prompt(_title(rec), entry.label)),
            ref=str(Ref(RefKind.FOOD_SAMPLE_DISH, entry.id)),
        )
    svc.kick_outbox()


async def add_dish_photo(svc: Services, entry_id: int, photo: Photo, *, by: Person) -> TapResult:
    now = svc.now()
    async with svc.db.transaction() as tx:
        found = await repo.get_entry(tx, entry_id)
        if found is None:
            raise DomainError(t.RECORD_GONE)
        record_id, entry = found
        rec = await _open_record(tx, record_id, by)
        await repo.set_entry_photo(tx, entry_id, photo.file_id, photo.path, by=by.user_id, now=now)
        await _audit(tx, now, by, "sample_photo", ref(record_id), f"{entry.label}: {photo.path}")
        done = await _complete_if_ready(tx, rec, by, now)
        rv = await _view(tx, record_id)
    return TapResult(rv, done)


async def disinfect(svc: Services, record_id: int, method: Method, *, by: Person) -> TapResult:
    """One tap: the method, started now, for the method's usual duration."""
    now = svc.now()
    local = now.astimezone(svc.settings.timezone)
    async with svc.db.transaction() as tx:
        rec = await _open_record(tx, record_id, by)
        if rec.kind is not Kind.DISINFECT:
            raise DomainError(t.RECORD_GONE)
        await repo.set_data(
            tx,
            record_id,
            {"method": method.value, "start": f"{local:%H:%M}", "minutes": method.minutes},
        )
        done = await _finish(tx, rec, by, now)
        rv = await _view(tx, record_id)
    return TapResult(rv, done)


_CORRECTION_RE = re.compile(r"(?:(\d{1,2}[:：]\d{2})\s*)?(?:(\d{1,3})\s*分钟?)?")


async def correct_disinfection(
    svc: Services, record_id: int, text: str, *, by: Person
) -> RecordView:
    """A reply ``12:40 40分钟`` corrects the start time and the duration of a 消毒 record."""
    m = _CORRECTION_RE.fullmatch(text.strip())
    if not m or not (m[1] or m[2]):
        raise DomainError("请写开始时间和时长，例如：12:40 40分钟")
    now = svc.now()
    async with svc.db.transaction() as tx:
        rec = await repo.get(tx, record_id)
        if rec is None or rec.kind is not Kind.DISINFECT or not rec.data.get("method"):
            raise DomainError(t.RECORD_GONE)
        if not by.has(Role.CANTEEN):
            raise DomainError(t.NOT_CANTEEN)
        data = dict(rec.data)
        if m[1]:
            data["start"] = patrol_rules.fmt_time(
                patrol_rules.parse_time_of_day(m[1].replace("：", ":"))
            )
        if m[2]:
            data["minutes"] = int(m[2])
        await repo.set_data(tx, record_id, data)
        await _audit(tx, now, by, "disinfect_fix", ref(record_id), text[:60])
        return await _view(tx, record_id)


async def rate(svc: Services, record_id: int, aspect: str, score: int, *, by: Person) -> TapResult:
    if aspect not in rules.ASPECTS or not 1 <= score <= 5:
        raise DomainError(t.RECORD_GONE)
    async with svc.db.transaction() as tx:
        rec = await _open_record(tx, record_id, by)
        data = dict(rec.data)
        data["ratings"] = {**_ratings(rec), aspect: score}
        await repo.set_data(tx, record_id, data)
        rv = await _view(tx, record_id)
    return TapResult(rv)


async def submit_accompany(
    svc: Services, record_id: int, *, by: Person, all_good: bool = False
) -> TapResult:
    """提交 (or 都很好: every aspect 5 and submitted in one tap). Problems — a score of 3 or
    less, or a note — go to the canteen managers and the admins, with the photo if any."""
    now = svc.now()
    async with svc.db.transaction() as tx:
        rec = await _open_record(tx, record_id, by)
        if rec.kind is not Kind.ACCOMPANY:
            raise DomainError(t.RECORD_GONE)
        ratings = {a: 5 for a in rules.ASPECTS} if all_good else _ratings(rec)
        if not rules.ratings_complete(ratings):
            raise DomainError(t.RATINGS_MISSING)
        await repo.set_data(tx, record_id, {**rec.data, "ratings": ratings})
        state = await _finish(tx, rec, by, now)
        if rules.has_problem(ratings, rec.note):
            photos = (
                (Photo(rec.photo_file_id, rec.photo_path),)
                if (rec.photo_file_id or rec.photo_path)
                else ()
            )
            msg = OutMessage(
                t.accompany_problem(_title(rec), by.name, ratings, rec.note), photos=photos
            )
            told = {by.user_id}
            for role in (Role.CANTEEN, Role.ADMIN):
                for person in await people.with_role(tx, role):
                    if person.chat_id is not None and person.user_id not in told:
                        await outbox.enqueue(tx, person.chat_id, msg, ref=None, now=now)
                        told.add(person.user_id)
        rv = await _view(tx, record_id)
    svc.kick_outbox()
    return TapResult(rv, state)


async def add_form_note(
    svc: Services, record_id: int, *, by: Person, note: str | None, photo: Photo | None = None
) -> RecordView:
    """A reply to the 陪餐 form: its note and/or photo (before it is submitted)."""
    clean = " ".join((note or "").split())[:500] or None
    now = svc.now()
    async with svc.db.transaction() as tx:
        rec = await _open_record(tx, record_id, by)
        if rec.kind is not Kind.ACCOMPANY:
            raise DomainError(t.USE_BUTTONS)
        # A text reply replaces the note (a correction); a photo's caption is added to it.
        if clean and photo is not None and rec.note:
            clean = rec.note if clean in rec.note else f"{rec.note}；{clean}"[:500]
        await repo.set_record_note(
            tx, record_id, clean, photo.file_id if photo else None, photo.path if photo else None
        )
        await _audit(
            tx,
            now,
            by,
            "note",
            ref(record_id),
            (clean or "") + (" +photo" if photo else ""),
        )
        return await _view(tx, record_id)


@dataclass(frozen=True)
class Discarded:
    text: str


async def discard(svc: Services, record_id: int, *, by: Person) -> Discarded:
    if not by.has(Role.CANTEEN):
        raise DomainError(t.NOT_CANTEEN)
    now = svc.now()
    async with svc.db.transaction() as tx:
        rec = await repo.get(tx, record_id)
        if rec is None or rec.kind is not Kind.SAMPLE:
            raise DomainError(t.RECORD_GONE)
        if not await repo.mark_discarded(tx, record_id, by=by.user_id, now=now):
            raise DomainError(t.ALREADY_DISCARDED)
        kept = [e.label for e in await repo.entries(tx, record_id) if e.has_photo]
        text = t.discard_notice(_title(rec), kept, rec.at, svc.settings.timezone)
        note = t.discarded_line(by.name, now, svc.settings.timezone)
        # Other managers' copies lose their button; the tapped one is edited to say who.
        await outbox.enqueue_clear_buttons(tx, _discard_ref(record_id), now=now)
        await _audit(tx, now, by, "discard", ref(record_id))
    svc.kick_outbox()
    return Discarded(f"{text}\n\n{note}")


# ---------------------------------------------------------------- purchase check rota


async def notify_purchase_checkers(
    tx: Tx, svc: Services, purchase: Purchase, text: str, day: date, *, exclude: set[int]
) -> int:
    """「全校教师参与轮流管理食堂事务」: the teachers on today's 清点 rota get the submitted
    purchase with a 清点确认 button, alongside the supervisors (called from the purchase
    submit, in its transaction)."""
    count = 0
    for user_id in rules.rostered(day, await repo.roster(tx, Duty.PURCHASE_CHECK)):
        if user_id in exclude:
            continue
        msg = OutMessage(t.purchase_check_intro(text), t.purchase_check_buttons(purchase.id))
        if await notify_person(tx, svc, user_id, msg, ref=f"fspc:{purchase.id}"):
            count += 1
    return count


async def check_purchase(svc: Services, purchase_id: int, *, by: Person) -> str:
    """A rota teacher's 清点确认: recorded with who and when; the public posting names them."""
    now = svc.now()
    async with svc.db.transaction() as tx:
        purchase = await purchase_repo.get(tx, purchase_id)
        if purchase is None or purchase.purchase_date is None:
            raise DomainError(t.RECORD_GONE)
        rota = rules.rostered(purchase.purchase_date, await repo.roster(tx, Duty.PURCHASE_CHECK))
        if by.user_id not in rota and Role.ADMIN not in by.roles:
            raise DomainError(t.NOT_A_CHECKER)
        if by.user_id == purchase.purchaser_id:
            raise DomainError("采购员不能清点自己的采购单。")
        await repo.add_purchase_check(tx, purchase_id, by.user_id, now)
        await _audit(tx, now, by, "purchase_check", f"purchase:{purchase_id}")
    return t.purchase_checked(purchase.number)


async def checked_by_lines(db: Database | Tx, purchases: Sequence[Purchase]) -> list[str]:
    """「#3 清点：孙老师」 for the public posting, for purchases a rota teacher checked."""
    checks = await repo.purchase_checks(db, [p.id for p in purchases])
    return [
        t.checked_by_line(p.number, [c.name for c in checks[p.id]])
        for p in purchases
        if p.id in checks
    ]


# ---------------------------------------------------------------- times


async def times(svc: Services) -> rules.Times:
    return await repo.times(svc.db)


async def set_times(svc: Services, text: str, *, by: Person) -> rules.Times:
    """Stored in the database; the caller reschedules the named jobs with the result."""
    if not by.has(Role.ADMIN):
        raise DomainError("抱歉，只有管理员可以修改食品安全记录的时间。")
    new = rules.parse_times(text)
    now = svc.now()
    async with svc.db.transaction() as tx:
        await repo.set_times(tx, new, now=now)
        await _audit(tx, now, by, "times", detail=text.strip()[:60])
    return new


# ---------------------------------------------------------------- staff and rotas


def _manage(by: Person) -> None:
    if not by.has(Role.CANTEEN):
        raise DomainError("抱歉，只有食堂管理员或管理员可以登记从业人员。")


async def workers(svc: Services) -> list[Worker]:
    return await repo.workers(svc.db)


async def save_worker(svc: Services, text: str, *, by: Person) -> tuple[str, bool]:
    _manage(by)
    name, cert_no, expires = rules.parse_worker(text)
    now = svc.now()
    async with svc.db.transaction() as tx:
        worker_id, created = await repo.save_worker(tx, name, cert_no, expires, now=now)
        await _audit(
            tx,
            now,
            by,
            "worker_save",
            f"worker:{worker_id}",
            f"{name} {cert_no or ''} {expires or ''}",
        )
    return name, created


async def set_worker_photo(svc: Services, caption: str | None, photo: Photo, *, by: Person) -> str:
    """A photo captioned 「健康证 张三」 is kept as 张三's certificate (optional)."""
    _manage(by)
    name = rules.cert_photo_name(caption)
    now = svc.now()
    async with svc.db.transaction() as tx:
        worker = next((w for w in await repo.workers(tx) if w.name == name), None)
        if worker is None:
            raise DomainError(f"没有叫「{name}」的从业人员，请先用 /canteen_staff 添加。")
        await repo.set_worker_photo(tx, worker.id, photo.file_id, photo.path)
        await _audit(tx, now, by, "worker_photo", f"worker:{worker.id}", photo.path)
    return worker.name


async def remove_worker(svc: Services, name: str, *, by: Person) -> str:
    _manage(by)
    clean = name.strip()
    now = svc.now()
    async with svc.db.transaction() as tx:
        if not await repo.remove_worker(tx, clean):
            raise DomainError(f"没有叫「{clean}」的从业人员。")
        await _audit(tx, now, by, "worker_remove", detail=clean)
    return clean


async def roster(svc: Services) -> tuple[dict[str, list[patrol_rules.RosterEntry]], dict[int, str]]:
    today = svc.local_now().date()
    duties = {d.label: await repo.roster(svc.db, d, from_day=today) for d in Duty}
    names = {p.user_id: p.name for p in await people.all_people(svc.db)}
    return duties, names


def _find(token: str, candidates: list[Person], what: str) -> Person:
    key = token.strip().lstrip("@")
    for p in candidates:
        if (
            key in (p.name, "".join(p.name.split()))
            or (p.username and key.lower() == p.username.lower())
            or key == str(p.user_id)
        ):
            return p
    names = "、".join(f"{p.name}（{p.user_id}）" for p in candidates) or "（还没有人）"
    raise DomainError(f"{what}里没有「{token}」。可写名字（不带空格）或括号里的ID：{names}")


async def set_roster(svc: Services, text: str, *, by: Person) -> tuple[str, str, list[str]]:
    """``陪餐 周一 王校长`` / ``清点 周二 孙老师 李老师`` / ``清点 周二 清空``. 陪餐 takes people
    with the 校领导 (or admin) role; 清点 any registered teacher."""
    if not by.has(Role.ADMIN):
        raise DomainError("抱歉，只有管理员可以安排食堂轮值。")
    parts = [p for p in re.split(r"[\s,，、]+", text.strip()) if p]
    if len(parts) < 3:
        raise DomainError(t.ROSTER_USAGE)
    duty = rules.parse_duty(parts[0])
    key = patrol_rules.parse_roster_day(parts[1])
    label = key.isoformat() if isinstance(key, date) else patrol_rules.WEEKDAYS[key]
    now = svc.now()
    async with svc.db.transaction() as tx:
        if parts[2] in ("清空", "清除", "无", "删除"):
            chosen: list[Person] = []
        else:
            if duty is Duty.ACCOMPANY:
                found = {
                    p.user_id: p
                    for r in (Role.LEADER, Role.ADMIN)
                    for p in await people.with_role(tx, r)
                }
                candidates, what = list(found.values()), "校领导"
            else:
                candidates, what = await people.all_people(tx), "已登记的老师"
            chosen = list(
                {p.user_id: p for p in (_find(tok, candidates, what) for tok in parts[2:])}.values()
            )
        await repo.clear_roster_key(tx, duty, key)
        for p in chosen:
            await repo.add_roster(tx, duty, key, p.user_id, by=by.user_id, now=now)
        await audit.record(
            tx,
            now=now,
            actor_id=by.user_id,
            actor_name=by.name,
            action="fs.roster",
            detail=f"{duty.value} {label}: {','.join(str(p.user_id) for p in chosen)}",
        )
    return duty.label, label, [p.name for p in chosen]


# ---------------------------------------------------------------- the month


@dataclass(frozen=True)
class Month:
    first: date
    end: date  # first day of the next month
    records: list[repo.Record]
    entries: dict[int, list[Entry]]
    expected: list[Plan]
    today: date

    def done_keys(self) -> set[Key]:
        return {r.key for r in self.records if rules.is_done(r.state)}

    def incomplete(self) -> dict[Key, str]:
        """Why an existing but unfinished record is a gap."""
        result = {}
        for r in self.records:
            if rules.is_done(r.state):
                continue
            if r.kind is Kind.SAMPLE:
                missing = rules.missing_samples(self.entries.get(r.id, []))
                result[r.key] = "缺照片或份量：" + "、".join(e.label for e in missing)
            else:
                result[r.key] = "未完成（" + r.state.label + "）"
        return result

    def gaps(self) -> list[rules.Gap]:
        return rules.gaps(
            self.expected, self.done_keys(), incomplete=self.incomplete(), today=self.today
        )


async def month(svc: Services, first: date, end: date) -> Month:
    today = svc.local_now().date()
    hols = await patrol_repo.holidays(svc.db)
    expected: list[Plan] = []
    calendar = _Calendar(svc.db, svc)
    await calendar.read_weeks(first, end)
    day = first
    while day < end:
        if not patrol_rules.is_holiday(day, hols):
            expected += await calendar.plans(day)
        day += timedelta(days=1)
    records = await repo.between(svc.db, first, end)
    entries = await repo.entries_for(svc.db, [r.id for r in records])
    # A record sent (e.g. under an older menu) also counts as expected.
    have = {p.key for p in expected}
    for r in records:
        if r.key not in have:
            expected.append(Plan(r.kind, r.day, r.meal, r.at))
    return Month(first, end, records, entries, expected, today)


def _photo_name(path: str | None) -> str:
    return path or ""


async def export_sheets(svc: Services, m: Month) -> tuple[list[Sheet], int]:
    """The 台账: a sheet per record kind plus 采购验收; the gaps as red rows in their sheet."""
    tz = svc.settings.timezone
    workers = await repo.all_workers(svc.db)
    rows: dict[Kind, list[list[CellValue]]] = {k: [] for k in rules.KINDS}
    red: dict[Kind, list[int]] = {k: [] for k in rules.KINDS}
    for r in m.records:
        done_at = r.done_at.astimezone(tz) if r.done_at else None
        who = r.done_by_name or ""
        meal = t.meal_label(r.meal)
        if r.kind is Kind.HEALTH:
            for e in m.entries.get(r.id, []):
                w = workers.get(e.worker_id or 0)
                rows[r.kind].append(
                    [
                        r.day,
                        e.label,
                        w.cert_no if w else "",
                        w.cert_expires if w else None,
                        e.status.label,
                        e.note or "",
                        e.updated_by_name or who,
                        _local(e.updated_at, tz) or done_at,
                        "",
                    ]
                )
        elif r.kind is Kind.SAMPLE:
            for e in m.entries.get(r.id, []):
                rows[r.kind].append(
                    [
                        r.day,
                        meal,
                        e.label,
                        "是" if e.weighed else "否",
                        _photo_name(e.photo_path),
                        e.updated_by_name or who,
                        _local(e.updated_at, tz) or done_at,
                        r.discarded_by_name or "",
                        r.discarded_at.astimezone(tz) if r.discarded_at else None,
                        "",
                    ]
                )
        elif r.kind is Kind.DISINFECT:
            method = r.data.get("method")
            label = Method(method).label if method in {x.value for x in Method} else ""
            rows[r.kind].append(
                [
                    r.day,
                    meal,
                    label,
                    str(r.data.get("start", "")),
                    r.data.get("minutes") if isinstance(r.data.get("minutes"), int) else None,
                    who,
                    done_at,
                    "",
                ]
            )
        else:
            ratings = _ratings(r)
            rows[r.kind].append(
                [
                    r.day,
                    who,
                    ratings.get("taste"),
                    ratings.get("quantity"),
                    ratings.get("hygiene"),
                    r.note or "",
                    _photo_name(r.photo_path),
                    done_at,
                    "",
                ]
            )
    gaps = m.gaps()
    for g in gaps:
        width = len(t.EXPORT_HEADERS[_SHEET[g.kind]])
        row: list[CellValue] = [g.day, t.meal_label(g.meal)]
        row += [None] * (width - 3) + [t.gap_text(g.kind, g.meal, g.reason)]
        red[g.kind].append(len(rows[g.kind]))
        rows[g.kind].append(row)
    sheets = []
    for kind in rules.KINDS:
        name = _SHEET[kind]
        order = sorted(range(len(rows[kind])), key=lambda i: _row_day(rows[kind][i]))
        sorted_rows = [rows[kind][i] for i in order]
        red_rows = [order.index(i) for i in red[kind]]
        sheets.append(Sheet(name, t.EXPORT_HEADERS[name], sorted_rows, red_rows=red_rows))
    sheets.append(await _purchase_sheet(svc, m))
    purchase_gaps = len(sheets[-1].red_rows)
    return sheets, len(gaps) + purchase_gaps


def _local(when: datetime | None, tz: tzinfo) -> datetime | None:
    return when.astimezone(tz) if when else None


def _row_day(row: Sequence[CellValue]) -> date:
    """Gap rows go among the records of their day."""
    return row[0] if isinstance(row[0], date) else date.min


_SHEET = {Kind.HEALTH: "晨检", Kind.SAMPLE: "留样", Kind.DISINFECT: "消毒", Kind.ACCOMPANY: "陪餐"}


async def _purchase_sheet(svc: Services, m: Month) -> Sheet:
    """采购验收: each confirmed purchase with the supervisor's confirmation and the rota
    teachers' 清点; a purchase nobody on the rota checked (while someone was) is red."""
    tz = svc.settings.timezone
    purchases = await purchase_repo.confirmed_between(svc.db, m.first, m.end - timedelta(days=1))
    checks = await repo.purchase_checks(svc.db, [p.id for p in purchases])
    rota = await repo.roster(svc.db, Duty.PURCHASE_CHECK)
    rows: list[list[CellValue]] = []
    red: list[int] = []
    for p in purchases:
        mine = checks.get(p.id, [])
        gap = ""
        if not mine and p.purchase_date and rules.rostered(p.purchase_date, rota):
            gap = "值班教师未清点"
            red.append(len(rows))
        rows.append(
            [
                p.purchase_date,
                p.number,
                p.purchaser_name,
                p.total,
                f"{p.confirmed_by_name or ''} {p.confirmed_at.astimezone(tz):%m-%d %H:%M}"
                if p.confirmed_at
                else "",
                "、".join(c.name for c in mine),
                mine[0].at.astimezone(tz) if mine else None,
                gap,
            ]
        )
    return Sheet("采购验收", t.EXPORT_HEADERS["采购验收"], rows, red_rows=red)


@dataclass(frozen=True)
class Export:
    workbook: bytes
    gaps: int
    photos: bytes | None = None
    photo_count: int = 0
    empty: bool = False  # nothing needed and nothing recorded that month


def _zip(data_dir: Any, named: list[tuple[str, str]]) -> tuple[bytes, int]:
    buf = io.BytesIO()
    count = 0
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for arcname, rel in named:
            try:
                path = files.resolve(data_dir, rel)
                zf.write(path, arcname)
                count += 1
            except (OSError, files.UnsafePathError):
                continue
    return buf.getvalue(), count


async def export_month(
    svc: Services, text: str, *, by: Person, with_photos: bool
) -> tuple[date, Export]:
    if not by.has(Role.SUPERVISOR, Role.CANTEEN):
        raise DomainError("抱歉，食品安全台账由监督员、食堂管理员或管理员导出。")
    first, end = patrol_rules.month_range(text or None, svc.local_now().date())
    m = await month(svc, first, end)
    sheets, gap_count = await export_sheets(svc, m)
    data = await offload.build(write_xlsx, sheets, tz=svc.settings.timezone)
    photos: bytes | None = None
    count = 0
    if with_photos:
        named = []
        for r in m.records:
            base = f"{r.day.isoformat()}_{t.meal_label(r.meal)}{r.kind.label}"
            for e in m.entries.get(r.id, []):
                if e.photo_path:
                    named.append(
                        (f"{_SHEET[r.kind]}/{base}_{e.position}_{e.label}.jpg", e.photo_path)
                    )
            if r.photo_path:
                named.append((f"{_SHEET[r.kind]}/{base}.jpg", r.photo_path))
        for w in await repo.workers(svc.db):
            if w.photo_path:
                named.append((f"健康证/{w.name}.jpg", w.photo_path))
        photos, count = await asyncio.to_thread(_zip, svc.settings.data_dir, named)
    now = svc.now()
    async with svc.db.transaction() as tx:
        await audit.record(
            tx,
            now=now,
            actor_id=by.user_id,
            actor_name=by.name,
            action="fs.export",
            detail=f"{first:%Y-%m}" + (" +photos" if with_photos else ""),
        )
    empty = not m.records and not gap_count and not any(sh.rows for sh in sheets)
    return first, Export(data, gap_count, photos if count else None, count, empty)


async def report_lines(svc: Services, first: date, last: date) -> list[str]:
    """The /report section: records complete on N of M days, samples kept for every meal
    served, expired certificates."""
    m = await month(svc, first, last + timedelta(days=1))
    done = m.done_keys()
    complete, days = rules.complete_days(m.expected, done, m.today)
    meals = [p for p in m.expected if p.kind is Kind.SAMPLE and p.day <= m.today]
    sampled = sum(p.key in done for p in meals)
    today = svc.local_now().date()
    expired = [w.name for w in await repo.workers(svc.db) if w.expired(today)]
    return t.report_lines(complete, days, sampled, len(meals), expired)
