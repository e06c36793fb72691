"""Repairs (报修): one function per user action. Each owns its transaction, applies the
ticket's rules, writes the audit row and queues the notifications in that same
transaction, then wakes the outbox."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain.errors import DomainError
from bot.domain.messages import Buttons, OutMessage, Photo
from bot.domain.people import Person
from bot.domain.repairs import (
    REPEAT_WINDOW,
    CaptionReading,
    Category,
    Overdue,
    RepairState,
    RepairTicket,
    Urgency,
    clean_description,
    guess_category,
    guess_urgency,
    has_words,
    normalise_caption,
    overdue_order,
    read_caption,
    repeat_note,
)
from bot.domain.roles import Role
from bot.protocol import Ref
from bot.services import places as places_service  # issue 16: canonical place names
from bot.services import stock as stock_service  # issue 16: parts used at a repair
from bot.services.container import Services
from bot.services.people import Actor, notify_person, notify_role
from bot.texts import common as tc
from bot.texts import repairs as t
from storage import audit, outbox, people
from storage import repairs as repo
from storage.audit import AuditEntry
from storage.db import Tx

MAX_PHOTOS = 10


# ---- helpers ------------------------------------------------------------------------
async def _load(tx: Tx, repair_id: int) -> RepairTicket:
    ticket = await repo.get(tx, repair_id)
    if ticket is None:
        raise DomainError(t.NOT_FOUND)
    return ticket


async def _save(tx: Tx, ticket: RepairTicket) -> None:
    if not await repo.save(tx, ticket):
        raise DomainError(t.CHANGED_MEANWHILE)


async def _audit(
    tx: Tx,
    svc: Services,
    by: Actor | None,
    action: str,
    ticket: RepairTicket,
    detail: str | None = None,
    now: datetime | None = None,
) -> None:
    await audit.record(
        tx,
        now=now or svc.now(),
        actor_id=by.user_id if by else None,
        actor_name=by.name if by else None,
        action=action,
        subject=str(Ref.repair(ticket.id)),
        detail=detail,
    )


async def _notify_supervisors(
    tx: Tx, svc: Services, msg: OutMessage, ticket: RepairTicket, exclude: set[int]
) -> int:
    """Supervisors get the news; if there are none (a small school), the admins do."""
    sent = await notify_role(
        tx, svc, Role.SUPERVISOR, msg, ref=str(Ref.repair(ticket.id)), exclude=exclude
    )
    if sent == 0:
        sent = await notify_role(
            tx, svc, Role.ADMIN, msg, ref=str(Ref.repair(ticket.id)), exclude=exclude
        )
    return sent


async def _tell(
    tx: Tx,
    svc: Services,
    user_id: int | None,
    ticket: RepairTicket,
    text: str,
    buttons: Buttons | None = None,
    photos: tuple[Photo, ...] = (),
) -> None:
    if user_id is not None:
        msg = OutMessage(text, buttons or [], photos)
        await notify_person(tx, svc, user_id, msg, ref=str(Ref.repair(ticket.id)))


# Older notifications lose their buttons on every change. Only the decisions other
# supervisors must see (受理, 驳回, 改派) add a "已由 X …" note; the people concerned by later
# steps get their own message instead, so nobody is flooded with notes.


_BEING_HANDLED = (RepairState.ACCEPTED, RepairState.IN_PROGRESS)


async def _contact(tx: Tx, svc: Services, ticket: RepairTicket) -> t.Contact:
    """For the private cards of whoever handles the report: the time zone its time is
    shown in, and the reporter's @username for the link to them."""
    reporter = await people.get(tx, ticket.reporter_id)
    return t.Contact(svc.settings.timezone, reporter.username if reporter else None)


async def _before_photos(tx: Tx, repair_id: int) -> tuple[Photo, ...]:
    return tuple(p.photo for p in await repo.photos(tx, repair_id, "before"))


def _require_supervisor(person: Person) -> None:
    if not person.has(Role.SUPERVISOR):
        raise DomainError(tc.role_required([Role.SUPERVISOR]))


def _is_supervisor(person: Person) -> bool:
    return person.has(Role.SUPERVISOR)


# ---- reporting ----------------------------------------------------------------------
@dataclass(frozen=True)
class Reported:
    ticket: RepairTicket
    photo_count: int
    repeat_count: int
    notified: int
    duplicate_of: int | None = None  # an open report for the same place and category


@dataclass(frozen=True)
class NewReport:
    """What a report says, however it was made (fast path, guided path, patrol)."""

    location: str
    description: str
    category: Category
    urgency: Urgency
    photos: Sequence[Photo]


async def _create(
    tx: Tx,
    svc: Services,
    reporter: Actor,
    new: NewReport,
    round_id: int | None = None,
    ack: Ack | None = None,
) -> Reported:
    now = svc.now()
    if len(new.photos) > MAX_PHOTOS:
        raise DomainError(t.too_many_photos(MAX_PHOTOS))
    # Each received photo is stored under its own name, so photos already in a report mean
    # this report was made already: an album or guided report finished again after a kill
    # between its commit and the save of the conversation. Nothing is made or sent twice.
    made = await repo.reported_with(tx, [p.path for p in new.photos if p.path])
    if made is not None:
        return Reported(await _load(tx, made), len(new.photos), 0, 0)
    # issue 16 (places): a listed place is stored by its canonical name; others as typed.
    new = replace(new, location=await places_service.canonical_location(tx, svc, new.location))
    repair_id = await repo.insert(
        tx,
        reporter_id=reporter.user_id,
        reporter_name=reporter.name,
        location=new.location,
        description=new.description,
        category=new.category,
        urgency=new.urgency,
        now=now,
        patrol_round_id=round_id,
    )
    photos = tuple(new.photos)
    await repo.add_photos(tx, repair_id, photos, kind="before", by=reporter.user_id, now=now)
    ticket = await _load(tx, repair_id)
    detail = t.created_detail(new.location, new.description, round_id)
    await _audit(tx, svc, reporter, "repair.create", ticket, detail)
    count = await repo.count_same_place(tx, new.location, new.category, now - REPEAT_WINDOW)
    duplicate = await repo.open_same_place(tx, new.location, new.category, exclude_id=repair_id)
    if ack is not None:
        # 「报修单 #N 已提交」 is queued with the report (first, so it goes out first): a
        # crash after the commit cannot lose it, and the user never resends a duplicate.
        answer = ack(ticket, len(new.photos), duplicate)
        await notify_person(
            tx, svc, reporter.user_id, answer, ref=Ref.repair(repair_id).as_answer()
        )
    notes = [repeat_note(count), t.duplicate_note(duplicate) if duplicate else None]
    card = functools.partial(
        t.new_to_supervisor,
        ticket,
        "；".join(n for n in notes if n) or None,
        await _contact(tx, svc, ticket),
        from_patrol=round_id is not None,
    )
    msg = OutMessage(card(), t.supervisor_buttons(repair_id), photos, settled=card(settled=True))
    notified = await _notify_supervisors(tx, svc, msg, ticket, exclude={reporter.user_id})
    return Reported(ticket, len(photos), count, notified, duplicate)


# The 「已提交」 answer for a new report, built inside the report's transaction.
Ack = Callable[[RepairTicket, int, int | None], OutMessage]


def caption_ack(ticket: RepairTicket, photo_count: int, duplicate_of: int | None) -> OutMessage:
    """For a photo report: 「已提交」 with the category and urgency buttons."""
    return OutMessage(
        t.submitted(ticket, photo_count, duplicate_of),
        t.category_buttons(ticket.id, ticket.category, ticket.urgency),
    )


def guided_ack(ticket: RepairTicket, photo_count: int, duplicate_of: int | None) -> OutMessage:
    return OutMessage(t.guided_submitted(ticket, photo_count, duplicate_of))


async def _report(
    svc: Services,
    reporter: Actor,
    new: NewReport,
    ack: Ack | None,
) -> Reported:
    async with svc.db.transaction() as tx:
        result = await _create(tx, svc, reporter, new, ack=ack)
    svc.kick_outbox()
    return result


async def report(
    svc: Services,
    *,
    reporter: Actor,
    location: str,
    description: str,
    category: Category | None = None,
    urgency: Urgency | None = None,
    photos: Sequence[Photo] = (),
    ack: Ack | None = guided_ack,
) -> Reported:
    """The guided path: every field given (category and urgency guessed when missing).
    ``ack`` is the reporter's 「已提交」 answer (None: the caller's own answer says it)."""
    location = " ".join(normalise_caption(location).split())
    description = clean_description(description)
    category = category or guess_category(description + location)
    new = NewReport(location, description, category, urgency or Urgency.NORMAL, photos)
    return await _report(svc, reporter, new, ack)


def _read_report_caption(caption: str) -> CaptionReading:
    if not has_words(caption):  # only emoji: nothing to go on
        raise DomainError(t.CAPTION_NO_WORDS)
    reading = read_caption(caption)
    # Only a place ("教学楼302教室"): the photo shows what is broken.
    return replace(reading, description=clean_description(reading.description or t.SEE_PHOTO))


async def report_caption(
    svc: Services,
    *,
    reporter: Actor,
    caption: str,
    photos: Sequence[Photo],
    source: tuple[int, int] | None = None,
) -> Reported:
    """The fast path: photo(s) with a caption like "教学楼302教室 门锁坏了，关不上".
    ``source`` (chat id, message id): the captioned photo, remembered as this report's,
    so an edit of its caption finds the report (``revise_caption``)."""
    reading = _read_report_caption(caption)
    new = NewReport(reading.location, reading.description, reading.category, reading.urgency,
                    photos)  # fmt: skip
    async with svc.db.transaction() as tx:
        result = await _create(tx, svc, reporter, new, ack=caption_ack)
        if source is not None:
            ref = Ref.repair(result.ticket.id).as_answer()
            await outbox.remember_message(tx, *source, ref=ref, now=svc.now())
    svc.kick_outbox()
    return result


async def revise_caption(
    svc: Services, repair_id: int, *, by: Person, caption: str
) -> tuple[RepairTicket, bool]:
    """The reporter edited their report photo's caption: the report is read again from it
    (only while it waits to be accepted, and soon after sending). The reporter gets the
    usual 「已提交」 card with the new reading; the supervisors hear what changed. Returns
    the ticket and whether the edit changed anything."""
    reading = _read_report_caption(caption)
    async with _changing(svc, repair_id) as (tx, ticket):
        before = (ticket.location, ticket.description)
        ticket.revise(reading, Actor.of(by), svc.now())
        if (ticket.location, ticket.description) == before:
            return ticket, False
        change = t.revised_detail(*before, ticket)
        await _record(tx, svc, ticket, Actor.of(by), "revise", change, clear=False)
        photos = await _before_photos(tx, ticket.id)
        answer = OutMessage(
            t.revised(ticket, len(photos)),
            t.category_buttons(ticket.id, ticket.category, ticket.urgency),
        )
        await notify_person(tx, svc, by.user_id, answer, ref=Ref.repair(ticket.id).as_answer())
        told = OutMessage(t.revised_to_supervisor(ticket, *before, by=by.name))
        await _notify_supervisors(tx, svc, told, ticket, exclude={by.user_id})
    return ticket, True


async def report_from_patrol(
    tx: Tx,
    svc: Services,
    *,
    reporter: Actor,
    location: str,
    description: str,
    photos: tuple[Photo, ...],
    round_id: int,
) -> int:
    """A patrol item found abnormal becomes a report, in the patrol's own transaction.
    Queues the supervisors' notification (the caller kicks the outbox after commit)."""
    location = " ".join(normalise_caption(location).split())
    description = clean_description(description)
    category = guess_category(description)
    if category is Category.OTHER:
        category = guess_category(location)
    urgency = guess_urgency(description)
    new = NewReport(location, description, category, urgency, photos[:MAX_PHOTOS])
    result = await _create(tx, svc, reporter, new, round_id)
    return result.ticket.id


async def set_category(
    svc: Services, repair_id: int, *, by: Person, category: Category
) -> RepairTicket:
    async with _changing(svc, repair_id) as (tx, ticket):
        if by.user_id != ticket.reporter_id and not _is_supervisor(by):
            raise DomainError(t.CATEGORY_NOT_YOURS)
        if ticket.category is not category:
            old = ticket.category
            ticket.recategorise(category)
            change = f"{old.label} → {category.label}"
            await _record(tx, svc, ticket, Actor.of(by), "category", change, clear=False)
    return ticket


async def set_urgency(
    svc: Services, repair_id: int, *, by: Person, urgency: Urgency
) -> RepairTicket:
    """改为紧急 / 改为一般 from the reporter (or a supervisor). Whoever has the report in
    hand (the supervisors before it is accepted, then the repairer) hears of the change."""
    async with _changing(svc, repair_id) as (tx, ticket):
        if by.user_id != ticket.reporter_id and not _is_supervisor(by):
            raise DomainError(t.URGENCY_NOT_YOURS)
        if ticket.urgency is urgency:
            return ticket
        old = ticket.urgency
        ticket.change_urgency(urgency)
        actor = Actor.of(by)
        await _record(tx, svc, ticket, actor, "urgency", f"{old.label} → {urgency.label}",
                      clear=False)  # fmt: skip
        msg = OutMessage(t.urgency_changed_to_handler(ticket, by=by.name))
        if ticket.state is RepairState.NEW:
            await _notify_supervisors(tx, svc, msg, ticket, exclude={by.user_id})
        elif ticket.assignee_id not in (None, by.user_id):
            await _tell(tx, svc, ticket.assignee_id, ticket, msg.text)
    return ticket


# ---- steps of the lifecycle ---------------------------------------------------------
SUPERVISOR_STEPS = frozenset({"accept", "reject", "hold", "resume", "reassign"})
WORKER_STEPS = frozenset({"start", "complete"})


def _require_role(by: Person, ticket: RepairTicket, step: str) -> None:
    """Who may take ``step`` at all, before the ticket's own state is looked at."""
    if step in SUPERVISOR_STEPS:
        _require_supervisor(by)
    elif step in WORKER_STEPS:
        _require_worker_role(by, ticket)


async def find(svc: Services, repair_id: int) -> RepairTicket:
    ticket = await repo.get(svc.db, repair_id)
    if ticket is None:
        raise DomainError(t.NOT_FOUND)
    return ticket


async def check(svc: Services, repair_id: int, step: str, *, by: Person) -> RepairTicket:
    """Before asking for a reason, a note or a choice: may ``by`` take ``step`` now?
    Raises the short answer ("已由 X 受理", a role message) and changes nothing."""
    ticket = await find(svc, repair_id)
    _require_role(by, ticket, step)
    ticket.check(step, Actor.of(by), supervisor=_is_supervisor(by))
    return ticket


@asynccontextmanager
async def _changing(svc: Services, repair_id: int) -> AsyncIterator[tuple[Tx, RepairTicket]]:
    """One change of one ticket: load it in a transaction, let the caller change it, and
    wake the outbox after the commit (nothing is sent if the change raised)."""
    async with svc.db.transaction() as tx:
        yield tx, await _load(tx, repair_id)
    svc.kick_outbox()


# Steps whose doer is answered in the chat through the outbox. 受理, 改派 and 驳回 are
# answered by the "已由 X …" note under the doer's own card instead.
_ACKNOWLEDGED = frozenset({"hold", "resume", "start", "complete", "verify", "reopen"})


async def _record(
    tx: Tx,
    svc: Services,
    ticket: RepairTicket,
    by: Actor | None,
    step: str,
    detail: str | None = None,
    *,
    clear: bool = True,
    note: str | None = None,
    now: datetime | None = None,
) -> None:
    """Save the changed ticket, write its history line, and (``clear``) take the buttons
    off every older notification about it, with ``note`` ("已由 X 受理") under them."""
    now = now or svc.now()
    await _save(tx, ticket)
    await _audit(tx, svc, by, f"repair.{step}", ticket, detail, now)
    if clear:
        await outbox.enqueue_clear_buttons(tx, str(Ref.repair(ticket.id)), now=now, note=note)
    if by is not None and step in _ACKNOWLEDGED:
        # The acknowledgement is as durable as the step: it is in the outbox with it (a
        # step with a note is acknowledged by that note under the person's own card).
        buttons = t.worker_buttons(ticket) if step == "start" else []
        ack = OutMessage(t.step_done(step, ticket), buttons)
        await notify_person(tx, svc, by.user_id, ack, ref=Ref.repair(ticket.id).as_answer())


async def _send_job(
    tx: Tx, svc: Services, ticket: RepairTicket, by: str, *, reopened: bool = False
) -> None:
    """The assigned repairer's job: the card (when it was reported, a link to the
    reporter), 开始/完成 buttons and the report's photos."""
    text = t.job_to_repairer(ticket, await _contact(tx, svc, ticket), by=by, reopened=reopened)
    photos = await _before_photos(tx, ticket.id)
    await _tell(tx, svc, ticket.assignee_id, ticket, text, t.worker_buttons(ticket), photos)


# ---- supervisor decisions -----------------------------------------------------------
@dataclass(frozen=True)
class AcceptOutcome:
    """Either the accepted (or reassigned) ticket, or the repairers to choose from."""

    ticket: RepairTicket
    accepted: bool
    choices: tuple[Person, ...] = ()


async def _choose_repairer(
    tx: Tx, assignee_id: int | None, *, skip: int | None = None, ask: bool = False
) -> Person | tuple[Person, ...]:
    """The repairer picked by ``assignee_id`` (checked: a forged id is refused), else the
    choices (without ``skip``, the current one), or the only one there is unless ``ask``."""
    crew = await people.with_role(tx, Role.REPAIRER)
    if assignee_id is not None:
        found = [p for p in crew if p.user_id == assignee_id]
        if not found:
            raise DomainError(t.NOT_A_REPAIRER)
        return found[0]
    crew = [p for p in crew if p.user_id != skip]
    if not crew:
        raise DomainError(t.NO_OTHER_REPAIRER if skip is not None else t.NO_REPAIRERS)
    return crew[0] if len(crew) == 1 and not ask else tuple(crew)


async def accept(
    svc: Services, repair_id: int, *, by: Person, assignee_id: int | None = None
) -> AcceptOutcome:
    """受理. Without ``assignee_id``: assign automatically when there is exactly one
    repairer, otherwise return the choices (nothing is changed yet)."""
    _require_supervisor(by)
    actor = Actor.of(by)
    async with _changing(svc, repair_id) as (tx, ticket):
        ticket.check("accept", actor)
        assignee = await _choose_repairer(tx, assignee_id)
        if isinstance(assignee, tuple):
            return AcceptOutcome(ticket, False, assignee)
        ticket.accept(actor, Actor.of(assignee), svc.now())
        assigned = t.assigned_to(assignee.name)
        note = t.state_note("受理", by.name, assigned)
        await _record(tx, svc, ticket, actor, "accept", assigned, note=note)
        await _tell(tx, svc, ticket.reporter_id, ticket, t.accepted_to_reporter(ticket))
        await _send_job(tx, svc, ticket, by.name)
    return AcceptOutcome(ticket, True)


async def reassign(
    svc: Services, repair_id: int, *, by: Person, assignee_id: int | None = None
) -> AcceptOutcome:
    """改派: an accepted or started job goes to another repairer. Without ``assignee_id``
    the other repairers are offered (always a choice: one tap must not move a job)."""
    _require_supervisor(by)
    actor = Actor.of(by)
    async with _changing(svc, repair_id) as (tx, ticket):
        ticket.check("reassign", actor, supervisor=True)
        old_id, old_name = ticket.assignee_id, ticket.assignee_name
        assignee = await _choose_repairer(tx, assignee_id, skip=old_id, ask=True)
        if isinstance(assignee, tuple):
            return AcceptOutcome(ticket, False, assignee)
        ticket.reassign(actor, Actor.of(assignee), svc.now())
        moved = f"{old_name or '-'} → {assignee.name}"
        note = t.state_note("改派", by.name, moved)
        await _record(tx, svc, ticket, actor, "reassign", moved, note=note)
        await _tell(tx, svc, old_id, ticket, t.reassigned_away(ticket, by=by.name))
        await _send_job(tx, svc, ticket, by.name)
        await _tell(tx, svc, ticket.reporter_id, ticket, t.reassigned_to_reporter(ticket))
    return AcceptOutcome(ticket, True)


async def reject(svc: Services, repair_id: int, *, by: Person, reason: str) -> RepairTicket:
    _require_supervisor(by)
    actor = Actor.of(by)
    async with _changing(svc, repair_id) as (tx, ticket):
        ticket.reject(actor, reason, svc.now())
        note = t.state_note("驳回", by.name, ticket.reason)
        await _record(tx, svc, ticket, actor, "reject", ticket.reason, note=note)
        await _tell(tx, svc, ticket.reporter_id, ticket, t.rejected_to_reporter(ticket))
    return ticket


async def hold(svc: Services, repair_id: int, *, by: Person, reason: str) -> RepairTicket:
    _require_supervisor(by)
    actor = Actor.of(by)
    async with _changing(svc, repair_id) as (tx, ticket):
        ticket.hold(actor, reason, svc.now())
        await _record(tx, svc, ticket, actor, "hold", ticket.reason)
        await _tell(tx, svc, ticket.reporter_id, ticket, t.held_to(ticket))
        if ticket.assignee_id not in (None, ticket.reporter_id):
            await _tell(tx, svc, ticket.assignee_id, ticket, t.held_to(ticket))
    return ticket


async def resume(svc: Services, repair_id: int, *, by: Person) -> RepairTicket:
    _require_supervisor(by)
    actor = Actor.of(by)
    async with _changing(svc, repair_id) as (tx, ticket):
        ticket.resume(actor, svc.now())
        await _record(tx, svc, ticket, actor, "resume", clear=False)
        await _tell(tx, svc, ticket.reporter_id, ticket, t.resumed_to(ticket))
        if ticket.state is RepairState.NEW:
            card = functools.partial(
                t.new_to_supervisor, ticket, None, await _contact(tx, svc, ticket),
                from_patrol=False,
            )  # fmt: skip
            msg = OutMessage(
                card(),
                t.supervisor_buttons(ticket.id),
                await _before_photos(tx, ticket.id),
                settled=card(settled=True),
            )
            await _notify_supervisors(tx, svc, msg, ticket, exclude={ticket.reporter_id})
        else:
            await _tell(
                tx, svc, ticket.assignee_id, ticket, t.resumed_to(ticket), t.worker_buttons(ticket)
            )
    return ticket


# ---- the repairer's work ------------------------------------------------------------
def _require_worker_role(by: Person, ticket: RepairTicket) -> None:
    if by.user_id != ticket.assignee_id and not by.has(Role.SUPERVISOR):
        if ticket.assignee_id is None:
            raise DomainError(t.not_assigned_yet(ticket))
        raise DomainError(t.assigned_to_someone_else(ticket))


async def start(svc: Services, repair_id: int, *, by: Person) -> RepairTicket:
    actor = Actor.of(by)
    async with _changing(svc, repair_id) as (tx, ticket):
        _require_worker_role(by, ticket)
        ticket.start(actor, svc.now(), supervisor=_is_supervisor(by))
        await _record(tx, svc, ticket, actor, "start")
        await _tell(tx, svc, ticket.reporter_id, ticket, t.started_to_reporter(ticket))
    return ticket


async def complete(
    svc: Services,
    repair_id: int,
    *,
    by: Person,
    note: str | None = None,
    photos: Sequence[Photo] = (),
) -> RepairTicket:
    actor = Actor.of(by)
    if not photos and not (note or "").strip():
        raise DomainError(t.ASK_DONE_PROOF)
    after = tuple(photos[:MAX_PHOTOS])
    async with _changing(svc, repair_id) as (tx, ticket):
        _require_worker_role(by, ticket)
        ticket.complete(actor, note, svc.now(), supervisor=_is_supervisor(by))
        await repo.add_photos(tx, ticket.id, after, kind="after", by=by.user_id, now=svc.now())
        detail = ticket.done_note or ""
        if photos:
            detail = (detail + t.with_photos(len(photos))).strip()
        await _record(tx, svc, ticket, actor, "complete", detail or None)
        await _tell(
            tx,
            svc,
            ticket.reporter_id,
            ticket,
            t.done_to_reporter(ticket, svc.settings.repair_escalation.verify_days),
            t.reporter_check_buttons(ticket.id),
            after,
        )
        # issue 16 (storeroom): ask the repairer which parts went in.
        await stock_service.offer_parts(tx, svc, ticket)
    return ticket


async def add_after_photos(
    svc: Services, repair_id: int, *, by: Person, photos: Sequence[Photo]
) -> RepairTicket:
    """More after-photos (the rest of an album) for a job this person just completed."""
    async with _changing(svc, repair_id) as (tx, ticket):
        if ticket.state is not RepairState.DONE or ticket.state_by_id != by.user_id:
            ticket.check("complete", Actor.of(by))  # raises "已由 X 标记完成" and the like
            raise DomainError(t.CHANGED_MEANWHILE)
        have = len(await repo.photos(tx, repair_id, "after"))
        extra = tuple(photos[: max(0, MAX_PHOTOS - have)])
        await repo.add_photos(tx, ticket.id, extra, kind="after", by=by.user_id, now=svc.now())
        if extra:  # every after-photo reaches the reporter, not only the first of an album
            await _tell(
                tx, svc, ticket.reporter_id, ticket, t.more_after_photos(ticket), None, extra
            )
    return ticket


async def add_done_note(svc: Services, repair_id: int, *, by: Person, note: str) -> RepairTicket:
    """The repairer's words after 完成 with a photo (「用疏通机通开了」): the done note, told
    to the reporter."""
    async with _changing(svc, repair_id) as (tx, ticket):
        if ticket.state is not RepairState.DONE or ticket.state_by_id != by.user_id:
            raise DomainError(t.CHANGED_MEANWHILE)
        text = clean_description(note)
        ticket.done_note = f"{ticket.done_note}；{text}" if ticket.done_note else text
        await _record(tx, svc, ticket, Actor.of(by), "done_note", text, clear=False)
        await _tell(tx, svc, ticket.reporter_id, ticket, t.done_note_to_reporter(ticket, text))
    return ticket


# ---- the reporter adds to their report ----------------------------------------------
async def add_note(
    svc: Services, repair_id: int, *, by: Person, text: str, photos: Sequence[Photo] = ()
) -> tuple[RepairTicket, str | None]:
    """「补充：地上全是水」 in reply to a message about the report: kept in its history and
    passed to whoever handles it (the repairer, else the supervisors). Returns the ticket
    and the name of who was told (None: the supervisors)."""
    actor = Actor.of(by)
    extra = tuple(photos[:MAX_PHOTOS])
    async with _changing(svc, repair_id) as (tx, ticket):
        if by.user_id != ticket.reporter_id:
            raise DomainError(t.NOTE_ONLY_REPORTER)
        if extra:
            await repo.add_photos(tx, ticket.id, extra, kind="before", by=by.user_id, now=svc.now())
        detail = (text + (t.with_photos(len(extra)) if extra else "")).strip()
        await _audit(tx, svc, actor, "repair.note", ticket, detail or None)
        msg = t.note_from_reporter(ticket, by.name, text, len(extra))
        handler = ticket.assignee_id if ticket.state in _BEING_HANDLED else None
        if handler is not None:
            await _tell(tx, svc, handler, ticket, msg, None, extra)
        else:
            await _notify_supervisors(tx, svc, OutMessage(msg, [], extra), ticket, {by.user_id})
    told = ticket.assignee_name if handler is not None else None
    return ticket, told


# ---- the reporter's check -----------------------------------------------------------
async def verify(svc: Services, repair_id: int, *, by: Person) -> RepairTicket:
    actor = Actor.of(by)
    async with _changing(svc, repair_id) as (tx, ticket):
        ticket.verify(actor, svc.now(), supervisor=_is_supervisor(by))
        await _record(tx, svc, ticket, actor, "verify")
        if ticket.assignee_id != by.user_id:
            await _tell(tx, svc, ticket.assignee_id, ticket, t.verified_to_repairer(ticket))
    return ticket


async def reopen(svc: Services, repair_id: int, *, by: Person, reason: str) -> RepairTicket:
    actor = Actor.of(by)
    async with _changing(svc, repair_id) as (tx, ticket):
        ticket.reopen(actor, reason, svc.now(), supervisor=_is_supervisor(by))
        await _record(tx, svc, ticket, actor, "reopen", ticket.reason)
        await _send_job(tx, svc, ticket, by.name, reopened=True)
    return ticket


# ---- looking things up --------------------------------------------------------------
@dataclass(frozen=True)
class RepairDetail:
    ticket: RepairTicket
    before: tuple[Photo, ...]
    after: tuple[Photo, ...]
    history: list[AuditEntry]


def may_view(person: Person, ticket: RepairTicket) -> bool:
    return person.user_id in (ticket.reporter_id, ticket.assignee_id) or person.has(
        Role.SUPERVISOR, Role.REPAIRER
    )


async def detail(svc: Services, repair_id: int, *, viewer: Person) -> RepairDetail:
    ticket = await repo.get(svc.db, repair_id)
    if ticket is None:
        raise DomainError(t.NOT_FOUND)
    if not may_view(viewer, ticket):
        raise DomainError(t.NOT_YOURS)
    photos = await repo.photos(svc.db, repair_id)
    return RepairDetail(
        ticket,
        tuple(p.photo for p in photos if p.kind == "before"),
        tuple(p.photo for p in photos if p.kind == "after"),
        await audit.history(svc.db, str(Ref.repair(repair_id))),
    )


async def list_for(svc: Services, person: Person) -> tuple[str, list[RepairTicket]]:
    """(scope, tickets): supervisors and admins see all open reports, oldest first;
    repairers their jobs; everyone else their own reports."""
    if person.has(Role.SUPERVISOR):
        return "all", await repo.list_open(svc.db)
    if Role.REPAIRER in person.roles:
        return "jobs", await repo.list_by_assignee(svc.db, person.user_id)
    return "mine", await repo.list_by_reporter(svc.db, person.user_id)


# ---- the escalation job -------------------------------------------------------------
@dataclass(frozen=True)
class EscalationResult:
    reminded: tuple[int, ...]
    auto_verified: tuple[int, ...]


async def run_escalation(svc: Services, now: datetime) -> EscalationResult:
    """Remind about overdue tickets (once per missed period, at most a few times), tell
    each reporter once that their report is late, and verify done jobs nobody checked in
    time. Safe to run as often as wanted."""
    rules = svc.settings.repair_escalation
    verified: list[int] = []
    due: list[tuple[RepairTicket, Overdue]] = []
    first_delay: set[int] = set()  # the reports whose reporter is told now
    async with svc.db.transaction() as tx:
        for ticket in await repo.list_open(tx):
            if ticket.auto_verify_due(now, rules):
                ticket.verify(None, now)
                why = t.auto_verify_reason(rules.verify_days)
                await _record(tx, svc, ticket, None, "verify", why, now=now)
                await _tell(
                    tx,
                    svc,
                    ticket.reporter_id,
                    ticket,
                    t.auto_verified_to_reporter(ticket, rules.verify_days),
                )
                await _tell(tx, svc, ticket.assignee_id, ticket, t.verified_to_repairer(ticket))
                verified.append(ticket.id)
                continue
            late = ticket.overdue(now, rules)
            if late is None:
                continue
            if not late.remind(await repo.count_reminders(tx, ticket.id, late.kind, late.since)):
                continue
            if not await repo.mark_reminder(tx, ticket.id, late.kind, late.since, late.period, now):
                continue
            why = t.reminder_reason(late)
            await _audit(tx, svc, None, "repair.remind", ticket, why, now)
            due.append((ticket, late))
            if await repo.mark_reporter_told(tx, ticket.id, late.kind, now):
                first_delay.add(ticket.id)
        due.sort(key=lambda d: overdue_order(*d))
        watchers = Watchers(
            [p for p in await people.with_role(tx, Role.SUPERVISOR) if p.chat_id],
            [p for p in await people.with_role(tx, Role.ADMIN) if p.chat_id],
        )
        told = await _send_reminders(tx, svc, watchers, due, now)
        # The reporter hears who was reminded: the supervisors, or the admins if none.
        by = Role.SUPERVISOR if watchers.supervisors else Role.ADMIN
        await _tell_reporters(
            tx, svc, [(tk, late) for tk, late in due if tk.id in first_delay], told, by
        )
    reminded = [ticket.id for ticket, _ in due]
    if reminded or verified:
        svc.kick_outbox()
    return EscalationResult(tuple(reminded), tuple(verified))


DIGEST_AFTER = 3  # more reminders than this for one person in one run become one list


@dataclass(frozen=True)
class Watchers:
    """Who hears about overdue reports: the supervisors (the admins when there are none,
    and also past twice a deadline). Only people with a chat."""

    supervisors: list[Person]
    admins: list[Person]


async def _send_reminders(
    tx: Tx,
    svc: Services,
    watchers: Watchers,
    due: list[tuple[RepairTicket, Overdue]],
    now: datetime,
) -> dict[int, set[int]]:
    """Each overdue ticket (``due`` in reminding order) to the supervisors, or the admins
    if there are none; past twice its deadline to the admins as well, each person once.
    A late job goes to its repairer, with the job's buttons (a repairer who is also a
    supervisor gets that one, not a second). One message per ticket, but someone with
    many at once (after an outage, a holiday) gets one list instead of a flood. Returns
    who got each ticket's reminder (ticket id → user ids)."""
    lists: dict[int, tuple[Person, list[tuple[RepairTicket, Overdue]]]] = {}
    told: dict[int, set[int]] = {}
    for ticket, late in due:
        extra = watchers.admins if late.to_admins else []
        to = {p.user_id: p for p in (*(watchers.supervisors or watchers.admins), *extra)}
        told[ticket.id] = set(to)
        if late.kind == "done" and ticket.assignee_id is not None:
            to.pop(ticket.assignee_id, None)  # told below, as the one doing the job
        for person in to.values():
            lists.setdefault(person.user_id, (person, []))[1].append((ticket, late))
    for person, items in lists.values():
        assert person.chat_id is not None  # only people with a chat were picked
        if len(items) > DIGEST_AFTER:
            digest = OutMessage(t.overdue_digest(items, now))
            await outbox.enqueue(tx, person.chat_id, digest, ref=None, now=svc.now())
            continue
        for ticket, late in items:
            buttons = t.supervisor_buttons(ticket.id) if late.kind == "accept" else []
            msg = OutMessage(t.overdue_text(ticket, late, now), buttons)
            ref = str(Ref.repair(ticket.id))
            await outbox.enqueue(tx, person.chat_id, msg, ref=ref, now=svc.now())
    jobs: dict[int, list[tuple[RepairTicket, Overdue]]] = {}
    for ticket, late in due:
        if late.kind == "done" and ticket.assignee_id is not None:
            jobs.setdefault(ticket.assignee_id, []).append((ticket, late))
            told[ticket.id].add(ticket.assignee_id)
    for assignee_id, late_jobs in jobs.items():
        if len(late_jobs) > DIGEST_AFTER:
            digest = OutMessage(t.overdue_digest(late_jobs, now))
            await notify_person(tx, svc, assignee_id, digest, ref=None)
            continue
        for ticket, late in late_jobs:
            text = t.overdue_text(ticket, late, now)
            await _tell(tx, svc, assignee_id, ticket, text, t.worker_buttons(ticket))
    return told


async def _tell_reporters(
    tx: Tx,
    svc: Services,
    late: list[tuple[RepairTicket, Overdue]],
    told: dict[int, set[int]],
    by: Role,
) -> None:
    """Each reporter hears once per report that it is late (one list if many at once); not
    a reporter who got the reminder itself (a supervisor's own report)."""
    mine: dict[int, list[tuple[RepairTicket, Overdue]]] = {}
    for ticket, overdue in late:
        if ticket.reporter_id not in told.get(ticket.id, set()):
            mine.setdefault(ticket.reporter_id, []).append((ticket, overdue))
    for reporter_id, items in mine.items():
        if len(items) > DIGEST_AFTER:
            msg = OutMessage(t.delays_to_reporter(items))
            await notify_person(tx, svc, reporter_id, msg, ref=None)
            continue
        for ticket, overdue in items:
            text = t.delay_to_reporter(ticket, overdue, by)
            await _tell(tx, svc, reporter_id, ticket, text)


# ---- people leaving -------------------------------------------------------------------
async def return_jobs_of(tx: Tx, svc: Services, repairer_id: int, *, by: Actor) -> list[int]:
    """A repairer was removed: each of their open jobs goes back to the supervisors as a
    new report with a note, in the caller's transaction (the caller kicks the outbox).
    The old job message loses its buttons."""
    returned: list[int] = []
    for ticket in await repo.list_by_assignee(tx, repairer_id):
        gone = ticket.assignee_name or str(repairer_id)
        if not ticket.return_job(by, svc.now()):
            continue
        note = t.state_note("收回", by.name, t.left_school(gone))
        await _record(tx, svc, ticket, by, "return", t.removed_detail(gone), note=note)
        if ticket.state is RepairState.NEW:
            msg = OutMessage(
                t.returned_to_supervisor(ticket, gone),
                t.supervisor_buttons(ticket.id),
                await _before_photos(tx, ticket.id),
            )
        else:
            msg = OutMessage(t.returned_to_supervisor(ticket, gone))
        await _notify_supervisors(tx, svc, msg, ticket, exclude=set())
        returned.append(ticket.id)
    return returned
