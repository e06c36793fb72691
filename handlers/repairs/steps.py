"""The steps of a repair, from a button, a reply to a notification or a follow-up input:
受理 / 改派 / 驳回 / 搁置 / 开始 / 完成 / 验收 / 返修, and changing the category."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import BadRequest

from bot import callbacks, router
from bot.callbacks import RepairAction
from bot.context import BotContext
from bot.domain.errors import DomainError
from bot.domain.messages import Photo
from bot.domain.people import Person
from bot.domain.repairs import Category, Urgency, urgency_raised
from bot.domain.roles import Role
from bot.protocol import Ref
from bot.services import directory
from bot.services import repairs as service
from bot.telegram import about
from bot.telegram.keyboards import markup
from bot.telegram.media import receive_image
from bot.texts import repairs as t
from handlers.common import answer, requires, say, say_error
from handlers.repairs.shared import (
    drop_buttons,
    pop_pending,
    prompt,
    set_pending,
)

log = logging.getLogger(__name__)


# ---- the steps, from a button, a reply or a follow-up input --------------------------
# Steps that wait for a reason first (the kind of input is the step's name), the service
# function that takes it; steps done at once. 完成 waits for "done": a photo or a note.
_NEEDS_INPUT = {"reject": service.reject, "hold": service.hold, "reopen": service.reopen}
_AT_ONCE = {"start": service.start, "verify": service.verify, "resume": service.resume}
# Button actions and reply words → the kind of step.
_BUTTONS = {
    RepairAction.REJECT: "reject",
    RepairAction.HOLD: "hold",
    RepairAction.REOPEN: "reopen",
    RepairAction.DONE: "done",
    RepairAction.START: "start",
    RepairAction.VERIFY: "verify",
    RepairAction.RESUME: "resume",
}


async def act(
    update: Update,
    context: BotContext,
    person: Person,
    kind: str,
    repair_id: int,
    text: str = "",
    photos: tuple[Photo, ...] = (),
    *,
    ask: bool = False,
) -> None:
    """Take one step. ``ask``: the step came without its input (a tap, a bare "驳回"), so
    check it may be taken now and ask for the reason, after-photo or note."""
    svc = context.services
    step = "complete" if kind == "done" else kind
    if ask and (kind == "done" or kind in _NEEDS_INPUT):
        await service.check(svc, repair_id, step, by=person)
        set_pending(context, kind, id=repair_id)
        await answer(update)
        await prompt(update, t.ASK[kind])
        return
    if kind == "done":
        ticket = await service.complete(svc, repair_id, by=person, note=text, photos=photos)
        if not text.strip():  # a photo alone: the words that follow are the done note
            set_pending(context, "note", id=repair_id)
    elif kind in _NEEDS_INPUT:
        ticket = await _NEEDS_INPUT[kind](svc, repair_id, by=person, reason=text)
    else:
        ticket = await _AT_ONCE[kind](svc, repair_id, by=person)
    done = t.step_done(step, ticket)
    # The answer in the chat is in the outbox (queued with the step); a reject is
    # answered there by the "已由 X 驳回" note instead, so it is said here as before.
    if update.callback_query is None:
        if kind == "reject":
            sent = await say(update, done)
            about.remember(context.chat_data, sent, Ref.repair(repair_id))
        return
    await drop_buttons(update)
    await answer(update, t.STARTED_SHORT if step == "start" else done)


@requires()
async def on_button(update: Update, context: BotContext, person: Person) -> None:
    query = update.callback_query
    assert query is not None
    cb = callbacks.decode(query.data)
    repair_id = cb.int_arg(0) if cb else None
    if cb is None or cb.action.startswith("g"):
        # Guided-path buttons reach here only when that conversation is over.
        await answer(update, t.GUIDED_EXPIRED if cb else t.STALE)
        return
    action = cb.action_of(RepairAction)
    choose = (RepairAction.ASSIGN, RepairAction.REASSIGN_TO)
    if repair_id is None or action is None or (action in choose and cb.int_arg(1) is None):
        await answer(update, t.STALE)
    elif action in (RepairAction.ACCEPT, RepairAction.REASSIGN, *choose):
        accepting = action in (RepairAction.ACCEPT, RepairAction.ASSIGN)
        step = "accept" if accepting else "reassign"
        await assign(update, context, person, step, repair_id, cb.int_arg(1))
    elif action is RepairAction.ASSIGN_CANCEL:
        await drop_buttons(update)
        await answer(update, t.ASSIGN_CANCELLED)
    elif action in _BUTTONS:
        await act(update, context, person, _BUTTONS[action], repair_id, ask=True)
    elif action is RepairAction.CATEGORY and len(cb.args) == 2:
        await _recategorise(update, context, person, repair_id, cb.args[1])
    elif action is RepairAction.URGENCY and len(cb.args) == 2:
        await _recategorise(update, context, person, repair_id, cb.args[1], urgency=True)
    elif action is RepairAction.RAISE_URGENCY:
        await _raise_urgency(update, context, person, repair_id)
    else:
        await answer(update, t.STALE)


async def _recategorise(
    update: Update,
    context: BotContext,
    person: Person,
    repair_id: int,
    value: str,
    *,
    urgency: bool = False,
) -> None:
    """The reporter's corrections on the confirmation: the category, or (``urgency``)
    改为紧急 / 改为一般. The service checks who taps and the report's state."""
    query = update.callback_query
    assert query is not None
    svc = context.services
    try:
        if urgency:
            level = Urgency(value)
            if level is Urgency.LOW:
                raise ValueError(value)
            ticket = await service.set_urgency(svc, repair_id, by=person, urgency=level)
        else:
            ticket = await service.set_category(svc, repair_id, by=person, category=Category(value))
    except ValueError:
        await answer(update, t.STALE)
        return
    detail = await service.detail(svc, repair_id, viewer=person)
    try:
        await query.edit_message_text(
            t.submitted(ticket, len(detail.before)),
            reply_markup=markup(t.category_buttons(ticket.id, ticket.category, ticket.urgency)),
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
    await answer(update, t.urgency_changed(ticket) if urgency else t.category_changed(ticket))


async def _raise_urgency(
    update: Update, context: BotContext, person: Person, repair_id: int
) -> None:
    """改为紧急 under the answer to a note that sounds urgent (「地上全是水，挺急的」)."""
    ticket = await service.set_urgency(
        context.services, repair_id, by=person, urgency=Urgency.URGENT
    )
    query = update.callback_query
    if query is not None and query.message is not None:
        with contextlib.suppress(BadRequest):  # already edited by an earlier tap
            await query.edit_message_text(t.urgency_raised_by_note(ticket), reply_markup=None)
    await answer(update, t.urgency_changed(ticket))


async def assign(
    update: Update,
    context: BotContext,
    person: Person,
    step: str,
    repair_id: int,
    assignee_id: int | None,
) -> None:
    """受理 (``accept``) or 改派 (``reassign``): pick the repairer, or offer the choices."""
    do = service.accept if step == "accept" else service.reassign
    outcome = await do(context.services, repair_id, by=person, assignee_id=assignee_id)
    if not outcome.accepted:
        await answer(update)
        choices = [(p.user_id, p.name) for p in outcome.choices]
        action = RepairAction.ASSIGN if step == "accept" else RepairAction.REASSIGN_TO
        sent = await prompt(
            update,
            t.choose_repairer(outcome.ticket),
            t.assign_buttons(outcome.ticket.id, choices, action=action),
        )
        about.remember(context.chat_data, sent, Ref.repair(repair_id))
        return
    if update.callback_query is not None:
        # The toast is enough here; the outbox adds "已由 X 受理" under every notification.
        await drop_buttons(update)
        await answer(update, t.step_done(step, outcome.ticket))
        return
    sent = await prompt(update, t.step_done(step, outcome.ticket))
    about.remember(context.chat_data, sent, Ref.repair(repair_id))


# ---- replies to notifications -------------------------------------------------------
async def on_reply(
    update: Update, context: BotContext, person: Person, repair_id: int, text: str
) -> None:
    """受理 [维修工] / 驳回 理由 (supervisors); 马上到 / 完成 说明 (repairer); 验收 / 返修 理由
    (reporter), keywords anywhere; anything else from the reporter is a note for whoever
    handles the report, and from others an unclear reply gets a question with buttons."""
    kind, rest = router.read_repair_reply(text)
    try:
        if kind is None:
            await _note_or_question(update, context, person, repair_id, text)
        elif kind == "accept":
            assignee = await _repairer_named(context, rest)
            await assign(update, context, person, kind, repair_id, assignee)
        else:
            await act(update, context, person, kind, repair_id, rest, ask=not rest)
    except DomainError as err:
        await say_error(update, err)


async def _repairer_named(context: BotContext, text: str) -> int | None:
    """The repairer 「受理 刘师傅」 names, if exactly one matches (else the choice is offered)."""
    if not text:
        return None
    repairers = await directory.with_role(context.services, Role.REPAIRER)
    named = [p for p in repairers if p.name and (p.name in text or text in p.name)]
    return named[0].user_id if len(named) == 1 else None


async def _note_or_question(
    update: Update, context: BotContext, person: Person, repair_id: int, text: str,
    photos: tuple[Photo, ...] = (),
) -> None:  # fmt: skip
    """From the reporter: added to the report and passed on. From anyone else: what do you
    want to do? (the buttons this person may use now), never a silent drop."""
    svc = context.services
    ticket = await service.find(svc, repair_id)
    if person.user_id == ticket.reporter_id and not photos and router.only_thanks(text):
        await say(update, t.THANKS_NOTED)
        return
    if person.user_id == ticket.reporter_id:
        ticket, told = await service.add_note(svc, repair_id, by=person, text=text, photos=photos)
        # A note that sounds urgent on a report that is not: offer the one tap that says so.
        offer = urgency_raised(text) and ticket.may_become_urgent
        buttons = t.raise_urgency_buttons(ticket.id) if offer else None
        sent = await say(update, t.note_added(ticket, told, offer_urgent=offer), buttons)
        about.remember(context.chat_data, sent, Ref.repair(repair_id))
        return
    buttons = t.detail_buttons(
        ticket,
        supervisor=person.has(Role.SUPERVISOR),
        reporter=False,
        assignee=person.user_id == ticket.assignee_id,
    )
    if not buttons:
        await say(update, t.REPLY_HELP)
        return
    sent = await say(update, t.unclear_reply(ticket), buttons)
    about.remember(context.chat_data, sent, Ref.repair(repair_id))


async def photo_reply(update: Update, context: BotContext, person: Person, repair_id: int) -> None:
    """A picture in reply to a repair message: the assigned repairer's after-photo (the
    job is done); from anyone else, a short explanation and no new report."""
    message = update.effective_message
    assert message is not None and context.user_data is not None
    svc = context.services
    ticket = await service.find(svc, repair_id)
    if person.user_id == ticket.reporter_id and person.user_id != ticket.assignee_id:
        photo = await receive_image(update, context, folder="repairs")
        note = (message.caption or "").strip()
        await _note_or_question(update, context, person, repair_id, note, (photo,))
        return
    if person.user_id != ticket.assignee_id:
        sent = await say(update, t.photo_reply_not_yours(ticket))
        about.remember(context.chat_data, sent, Ref.repair(repair_id))
        return
    photo = await receive_image(update, context, folder="repairs")
    group = message.media_group_id
    albums = context.user_data.repair_after_albums
    if group is not None and albums.get(group) == repair_id:
        await service.add_after_photos(svc, repair_id, by=person, photos=(photo,))
        return  # the rest of an album that already finished the job
    note = (message.caption or "").strip()
    await act(update, context, person, "done", repair_id, note, (photo,))
    pending = context.user_data.repair_pending
    if pending is not None and pending.get("id") == repair_id and pending.get("kind") == "done":
        pop_pending(context)
    if group is not None:
        albums.clear()
        albums[group] = repair_id
