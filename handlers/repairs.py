"""Repairs (报修) in Telegram: the fast path (photo + caption), the guided ``/repair``
conversation, the buttons on notifications, replies to notifications, ``/repairs`` and
``/repair <id>``. Thin: every decision is in ``bot.services.repairs``.

Short follow-up inputs (a reject reason, an after-photo, a caption for a photo sent
without one) are remembered in ``user_data["rp_pending"]`` and caught by a filter that
only matches while that person owes us such an input, so nobody else's texts are taken.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from telegram import InputMediaPhoto, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.clock import from_db, to_db
from bot.context import BotContext, services_of
from bot.domain.errors import DomainError
from bot.domain.ids import parse_id
from bot.domain.messages import Photo
from bot.domain.people import Person
from bot.domain.repairs import (
    Category,
    Urgency,
    clean_description,
    clean_location,
    guess_category,
    parse_category,
    parse_reply,
    parse_urgency,
    split_caption,
)
from bot.domain.roles import Role
from bot.services import repairs as service
from bot.services.people import Actor
from bot.texts import repairs as t
from handlers.common import answer, esc, requires, say, say_error
from handlers.keyboards import markup
from handlers.media import receive_image
from handlers.replies import route
from jobs import drop_jobs, job_queue
from storage import outbox, people
from storage.files import resolve

log = logging.getLogger(__name__)

PENDING = "rp_pending"  # user_data key: {"kind", "id"?, "photos"?, "at"}
ALBUMS = "rp_albums"  # user_data key: media_group_id -> {"photos", "caption", "chat_id"}
GUIDED = "rp_guided"  # user_data key: the draft of the guided report
AFTER_ALBUMS = "rp_after"  # user_data key: media_group_id -> the job its first photo finished
PENDING_TTL = timedelta(hours=1)
ALBUM_WAIT_SECONDS = 1.5  # Telegram delivers an album's photos as separate updates

IMAGE_FILES = filters.PHOTO | filters.Document.IMAGE | filters.Document.PDF

GUIDED_NAME = "repair_guided"
# Guided conversation states (ints: persisted as JSON).
G_PHOTOS, G_LOCATION, G_DESCRIPTION, G_CATEGORY, G_URGENCY, G_CONFIRM = range(6)


# ---- small helpers ------------------------------------------------------------------
def _photo_dict(photo: Photo) -> dict[str, str | None]:
    return {"file_id": photo.file_id, "path": photo.path}


def _photos(items: list[dict[str, Any]] | None) -> tuple[Photo, ...]:
    return tuple(Photo(p.get("file_id"), p.get("path")) for p in items or [])


async def _drop_buttons(update: Update) -> None:
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def _set_pending(context: BotContext, kind: str, **data: Any) -> None:
    assert context.user_data is not None
    context.user_data[PENDING] = {"kind": kind, "at": to_db(context.services.now()), **data}


def _pop_pending(context: BotContext) -> dict[str, Any] | None:
    if context.user_data is None:
        return None
    value = context.user_data.pop(PENDING, None)
    return value if isinstance(value, dict) else None


class _OwesInput(filters.MessageFilter):
    """True while the sender owes us a follow-up input of a kind that fits this message."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], *, images: bool) -> None:
        super().__init__(name="repair_pending_images" if images else "repair_pending_text")
        self._app = app
        self._images = images

    def filter(self, message: Message) -> bool:
        user = message.from_user
        if user is None:
            return False
        data = self._app.user_data.get(user.id)
        pending = data.get(PENDING) if isinstance(data, dict) else None
        if not isinstance(pending, dict):
            return False
        try:
            fresh = services_of(self._app).now() - from_db(str(pending["at"])) < PENDING_TTL
        except (KeyError, ValueError, RuntimeError):
            return False
        if not fresh:
            return False
        return pending.get("kind") == "done" if self._images else True


# ---- fast path ----------------------------------------------------------------------
async def _submit_caption(
    context: BotContext, person: Person, chat_id: int, caption: str, photos: tuple[Photo, ...]
) -> None:
    # The 「已提交」 answer goes through the outbox, in the report's own transaction.
    await service.report_caption(
        context.services, reporter=Actor.of(person), caption=caption, photos=photos
    )


@requires()
async def on_photo(update: Update, context: BotContext, person: Person) -> None:
    """A photo (or an image file) in a private chat: a report if it has a caption;
    in reply to a repair message, an after-photo or a short explanation instead."""
    message = update.effective_message
    assert message is not None and context.user_data is not None
    # A picture answering a repair message is about that report, never a new one. (A reply
    # to another feature's message stays an ordinary report: patrols rely on it.)
    repair_id = _repair_of(await _replied_ref(context, message))
    if repair_id is not None:
        await _photo_reply(update, context, person, repair_id)
        return
    # DomainError (not an image, corrupt, too big) is answered by @requires.
    photo = await receive_image(update, context, folder="repairs")
    caption = (message.caption or "").strip()
    group = message.media_group_id
    if group:
        albums: dict[str, Any] = context.user_data.setdefault(ALBUMS, {})
        album = albums.setdefault(
            group, {"photos": [], "caption": None, "chat_id": message.chat_id}
        )
        if len(album["photos"]) < service.MAX_PHOTOS:
            album["photos"].append(_photo_dict(photo))
        if caption:
            album["caption"] = caption
        _schedule_album(context, person.user_id, message.chat_id, group)
        return
    if caption:
        try:
            await _submit_caption(context, person, message.chat_id, caption, (photo,))
        except DomainError:  # e.g. a caption of only emoji: the photo waits for a better one
            _add_waiting_photos(context, [_photo_dict(photo)])
            raise
        return
    _add_waiting_photos(context, [_photo_dict(photo)])
    await say(update, t.ASK_CAPTION)


def _add_waiting_photos(context: BotContext, photos: list[dict[str, Any]]) -> None:
    """Photos without a caption wait for one; later photos join the same report."""
    assert context.user_data is not None
    pending = context.user_data.get(PENDING)
    earlier: list[dict[str, Any]] = []
    if isinstance(pending, dict) and pending.get("kind") == "caption":
        earlier = list(pending.get("photos") or [])
    _set_pending(context, "caption", photos=(earlier + photos)[: service.MAX_PHOTOS])


def _schedule_album(context: BotContext, user_id: int, chat_id: int, group: str) -> None:
    queue = job_queue(context.application)
    name = f"repair_album:{user_id}:{group}"
    drop_jobs(queue, name)
    queue.run_once(
        _album_complete,
        ALBUM_WAIT_SECONDS,
        data={"group": group},
        name=name,
        chat_id=chat_id,
        user_id=user_id,
    )


def resume_albums(app: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """After a restart: albums whose photos arrived but whose report was not made yet
    (the short wait was cut off) are finished now, so no report is lost."""
    count = 0
    queue = app.job_queue
    if queue is None:
        return 0
    for user_id, data in app.user_data.items():
        albums = data.get(ALBUMS) if isinstance(data, dict) else None
        for group, album in (albums or {}).items():
            if not isinstance(album, dict) or not album.get("chat_id"):
                continue
            queue.run_once(
                _album_complete,
                ALBUM_WAIT_SECONDS,
                data={"group": group},
                name=f"repair_album:{user_id}:{group}",
                chat_id=int(album["chat_id"]),
                user_id=user_id,
            )
            count += 1
    return count


async def _album_complete(context: BotContext) -> None:
    """All photos of one album have arrived: one album is one report."""
    job = context.job
    assert job is not None and job.user_id is not None and job.chat_id is not None
    data = job.data if isinstance(job.data, dict) else {}
    if context.user_data is None:
        return
    album = (context.user_data.get(ALBUMS) or {}).pop(str(data.get("group")), None)
    if not album or not album.get("photos"):
        return
    person = await people.get(context.services.db, job.user_id)
    if person is None:
        return
    if album.get("caption"):
        try:
            await _submit_caption(
                context, person, job.chat_id, album["caption"], _photos(album["photos"])
            )
        except DomainError as err:
            _add_waiting_photos(context, list(album["photos"]))
            await context.bot.send_message(job.chat_id, esc(err.message))
    else:
        _add_waiting_photos(context, list(album["photos"]))
        await context.bot.send_message(job.chat_id, t.ASK_CAPTION)
    # A job's changes are otherwise saved on PTB's timer: the photos now waiting for a
    # caption must not be lost to a crash right after we asked for it.
    context.application.mark_data_for_update_persistence(user_ids=job.user_id)
    await context.application.update_persistence()


# ---- follow-up inputs (caption, reject reason, after-photo, reopen reason) -----------
@requires()
async def on_pending_input(update: Update, context: BotContext, person: Person) -> None:
    message = update.effective_message
    assert message is not None and context.user_data is not None
    pending = context.user_data.get(PENDING)
    if not isinstance(pending, dict):
        return
    kind = pending.get("kind")
    text = (message.text or message.caption or "").strip()
    # First the input itself: if it is unusable, say why and keep waiting for a better one.
    photos: tuple[Photo, ...] = ()
    replied = _repair_of(await _replied_ref(context, message))
    if replied is not None and replied != pending.get("id"):
        # An answer to another report's message is about that report; we keep waiting.
        if message.text is None:
            await _photo_reply(update, context, person, replied)
        else:
            await on_reply(update, context, person, replied, message.text)
        return
    if kind == "done" and message.text is None:
        photos = (await receive_image(update, context, folder="repairs"),)
    if kind in ("reject", "reopen", "hold") and not text:
        raise DomainError(t.NEED_REASON)
    if kind == "done" and not text and not photos:
        raise DomainError(t.ASK_DONE_PROOF)
    _pop_pending(context)
    # Then the action: a "已由 X 受理" answer ends the wait, there is nothing left to do.
    if kind != "caption":
        await _act(update, context, person, str(kind), int(pending["id"]), text, photos)
        return
    try:
        await _submit_caption(
            context, person, message.chat_id, text, _photos(pending.get("photos"))
        )
    except DomainError:
        context.user_data[PENDING] = pending
        raise


@requires()
async def on_pending_cancel(update: Update, context: BotContext, person: Person) -> None:
    _pop_pending(context)
    await say(update, t.PENDING_CANCELLED)


# ---- the steps, from a button, a reply or a follow-up input --------------------------
# Steps that wait for a reason first (the kind of input is the step's name), the service
# function that takes it; steps done at once. 完成 waits for "done": a photo or a note.
_NEEDS_INPUT = {"reject": service.reject, "hold": service.hold, "reopen": service.reopen}
_AT_ONCE = {"start": service.start, "verify": service.verify, "resume": service.resume}
# Button actions and reply words → the kind of step.
_BUTTONS = {"rej": "reject", "hold": "hold", "re": "reopen", "dn": "done"}
_BUTTONS |= {"st": "start", "ok": "verify", "res": "resume"}


async def _act(
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
        _set_pending(context, kind, id=repair_id)
        await answer(update)
        await _prompt(update, t.ASK[kind])
        return
    if kind == "done":
        ticket = await service.complete(svc, repair_id, by=person, note=text, photos=photos)
    elif kind in _NEEDS_INPUT:
        ticket = await _NEEDS_INPUT[kind](svc, repair_id, by=person, reason=text)
    else:
        ticket = await _AT_ONCE[kind](svc, repair_id, by=person)
    done = t.step_done(step, ticket)
    # The answer in the chat is in the outbox (queued with the step); a reject is
    # answered there by the "已由 X 驳回" note instead, so it is said here as before.
    if update.callback_query is None:
        if kind == "reject":
            await say(update, done)
        return
    await _drop_buttons(update)
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
    action = cb.action
    if repair_id is None or (action in ("as", "rat") and cb.int_arg(1) is None):
        await answer(update, t.STALE)
    elif action in ("acc", "as", "ra", "rat"):
        step = "accept" if action in ("acc", "as") else "reassign"
        await _assign(update, context, person, step, repair_id, cb.int_arg(1))
    elif action == "asx":
        await _drop_buttons(update)
        await answer(update, t.ASSIGN_CANCELLED)
    elif action in _BUTTONS:
        await _act(update, context, person, _BUTTONS[action], repair_id, ask=True)
    elif action == "cat" and len(cb.args) == 2:
        await _recategorise(update, context, person, repair_id, cb.args[1])
    elif action == "urg" and len(cb.args) == 2:
        await _recategorise(update, context, person, repair_id, cb.args[1], urgency=True)
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


async def _prompt(update: Update, text: str, buttons: Any = None) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(text, reply_markup=markup(buttons or []))


async def _assign(
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
        action = "as" if step == "accept" else "rat"
        await _prompt(
            update,
            t.choose_repairer(outcome.ticket),
            t.assign_buttons(outcome.ticket.id, choices, action=action),
        )
        return
    if update.callback_query is not None:
        # The toast is enough here; the outbox adds "已由 X 受理" under every notification.
        await _drop_buttons(update)
        await answer(update, t.step_done(step, outcome.ticket))
        return
    await _prompt(update, t.step_done(step, outcome.ticket))


# ---- replies to notifications -------------------------------------------------------
async def on_reply(
    update: Update, context: BotContext, person: Person, repair_id: int, text: str
) -> None:
    """受理 / 驳回 理由 (supervisors); 开始 / 完成 说明 (repairer); 验收 / 返修 理由."""
    kind, rest = parse_reply(text)
    try:
        if kind is None:
            await say(update, t.REPLY_HELP)
        elif kind == "accept":
            await _assign(update, context, person, kind, repair_id, None)
        else:
            await _act(update, context, person, kind, repair_id, rest, ask=not rest)
    except DomainError as err:
        await say_error(update, err)


async def _replied_ref(context: BotContext, message: Message) -> str | None:
    """What a reply is about: the notification's ref ("repair:12", "purchase:3"), or the
    report named in the bot's own message (the prompts after a tap, "已提交")."""
    replied = message.reply_to_message
    if replied is None:
        return None
    ref = await outbox.ref_for_message(context.services.db, message.chat_id, replied.message_id)
    if ref is not None or replied.from_user is None or not replied.from_user.is_bot:
        return ref
    found = t.NUMBER_IN_TEXT.search(replied.text or replied.caption or "")
    return t.ref(int(found.group(1))) if found else None


def _repair_of(ref: str | None) -> int | None:
    namespace, _, raw_id = (ref or "").partition(":")
    return parse_id(raw_id) if namespace == t.REF else None


async def _photo_reply(update: Update, context: BotContext, person: Person, repair_id: int) -> None:
    """A picture in reply to a repair message: the assigned repairer's after-photo (the
    job is done); from anyone else, a short explanation and no new report."""
    message = update.effective_message
    assert message is not None and context.user_data is not None
    svc = context.services
    ticket = await service.find(svc, repair_id)
    if person.user_id != ticket.assignee_id:
        await say(update, t.photo_reply_not_yours(ticket))
        return
    photo = await receive_image(update, context, folder="repairs")
    group = message.media_group_id
    albums: dict[str, int] = context.user_data.setdefault(AFTER_ALBUMS, {})
    if group is not None and albums.get(group) == repair_id:
        await service.add_after_photos(svc, repair_id, by=person, photos=(photo,))
        return  # the rest of an album that already finished the job
    note = (message.caption or "").strip()
    await _act(update, context, person, "done", repair_id, note, (photo,))
    pending = context.user_data.get(PENDING)
    if isinstance(pending, dict) and pending.get("id") == repair_id:
        _pop_pending(context)
    if group is not None:
        albums.clear()
        albums[group] = repair_id


# ---- looking things up --------------------------------------------------------------
@requires()
async def on_list(update: Update, context: BotContext, person: Person) -> None:
    scope, tickets = await service.list_for(context.services, person)
    if not tickets:
        empty = {"all": t.LIST_EMPTY_ALL, "jobs": t.LIST_EMPTY_REPAIRER, "mine": t.LIST_EMPTY_STAFF}
        await say(update, empty[scope])
        return
    now = context.services.now()
    lines = [t.list_title(scope, len(tickets))]
    lines += [t.list_line(ticket, now) for ticket in tickets[:40]]
    if len(tickets) > 40:
        lines.append(t.list_more(len(tickets) - 40))
    lines.append(t.LIST_FOOTER)
    await say(update, "\n".join(lines))


async def _show_detail(update: Update, context: BotContext, person: Person, arg: str) -> None:
    repair_id = parse_id(arg)
    if repair_id is None:
        await say(update, t.DETAIL_USAGE)
        return
    svc = context.services
    detail = await service.detail(svc, repair_id, viewer=person)
    message = update.effective_message
    assert message is not None
    photos = (detail.before + detail.after)[:10]
    if photos:
        await _send_photos(context, message.chat_id, photos)
    history = [(h.at, h.actor_name, h.action, h.detail) for h in detail.history]
    ticket = detail.ticket
    buttons = t.detail_buttons(
        ticket,
        supervisor=person.has(Role.SUPERVISOR),
        reporter=person.user_id == ticket.reporter_id,
        assignee=person.user_id == ticket.assignee_id,
    )
    counts = (len(detail.before), len(detail.after))
    await message.reply_text(
        t.detail_text(ticket, history, svc.settings.timezone, counts), reply_markup=markup(buttons)
    )


async def _send_photos(context: BotContext, chat_id: int, photos: tuple[Photo, ...]) -> None:
    """Re-send by file_id; fall back to the stored copy if Telegram no longer knows it."""
    data_dir = context.services.settings.data_dir

    async def media(photo: Photo, by_path: bool) -> Any:
        if photo.path and (by_path or not photo.file_id):
            return await asyncio.to_thread(resolve(data_dir, photo.path).read_bytes)
        return photo.file_id

    for by_path in (False, True):
        try:
            items = [await media(p, by_path) for p in photos]
            if len(items) == 1:
                await context.bot.send_photo(chat_id, items[0])
            else:
                await context.bot.send_media_group(chat_id, [InputMediaPhoto(i) for i in items])
            return
        except (BadRequest, OSError, ValueError) as exc:
            log.info("re-sending repair photos by %s failed: %s", "path" if by_path else "id", exc)
    await context.bot.send_message(chat_id, t.PHOTOS_UNAVAILABLE)


# ---- guided path --------------------------------------------------------------------
def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft = context.user_data.get(GUIDED)
    if not isinstance(draft, dict):
        draft = context.user_data[GUIDED] = {"photos": []}
    return draft


@requires()
async def guided_start(update: Update, context: BotContext, person: Person) -> int | None:
    if context.args:
        # Looking a report up; a guided report in progress stays where it was (None).
        await _show_detail(update, context, person, context.args[0])
        return None
    assert context.user_data is not None
    pending = _pop_pending(context) or {}
    # Photos sent just before, still waiting for their caption, belong to this report.
    photos = list(pending.get("photos") or []) if pending.get("kind") == "caption" else []
    previous = context.user_data.get(GUIDED) or {}
    context.user_data[GUIDED] = {"photos": photos}
    text = t.GUIDED_START if not photos else t.guided_start_with(len(photos))
    if any(previous.get(key) for key in ("photos", "location", "description")):
        text = f"{t.GUIDED_RESTARTED}\n{text}"  # say so: the unfinished one is gone
    await say(update, text, t.GUIDED_SKIP_PHOTO)
    return G_PHOTOS


@requires()
async def guided_photo(update: Update, context: BotContext, person: Person) -> int | None:
    """A photo at any step joins the draft; the conversation stays where it is, unless
    the first photo's caption already says where and what (then those steps are done)."""
    message = update.effective_message
    assert message is not None
    draft = _draft(context)
    if len(draft["photos"]) >= service.MAX_PHOTOS:
        await say(update, t.GUIDED_TOO_MANY_PHOTOS)
        return None
    photo = await receive_image(update, context, folder="repairs")
    draft["photos"].append(_photo_dict(photo))
    group = message.media_group_id
    if group is not None and group == draft.get("group"):
        return None  # one answer per album, not one per photo
    draft["group"] = group
    caption = (message.caption or "").strip()
    if caption and not draft.get("asked_location"):
        location, description = split_caption(caption)
        if location:
            draft["location"] = clean_location(location)
            draft["asked_location"] = True
            if not description:
                await say(update, t.guided_place_from_caption(draft["location"]))
                return G_DESCRIPTION
            return await _ask_category(update, draft, clean_description(description))
    n = len(draft["photos"])
    if draft.get("asked_location"):
        await say(update, t.GUIDED_PHOTO_ADDED.format(n=n))
    else:
        await say(update, t.GUIDED_PHOTO_MORE.format(n=n), t.GUIDED_SKIP_PHOTO)
    return None


async def guided_skip(update: Update, context: BotContext) -> int:
    await answer(update)
    await _drop_buttons(update)
    _draft(context)["asked_location"] = True
    await _prompt(update, t.GUIDED_ASK_LOCATION)
    return G_LOCATION


def _take(update: Update, context: BotContext, field: str, clean: Callable[[str], str]) -> Any:
    """Put the cleaned text of this message into the draft (DomainError if unusable)."""
    message = update.effective_message
    assert message is not None
    draft = _draft(context)
    draft[field] = clean(message.text or "")
    return draft


@requires()
async def guided_location(update: Update, context: BotContext, person: Person) -> int:
    _take(update, context, "location", clean_location)["asked_location"] = True
    await say(update, t.GUIDED_ASK_DESCRIPTION)
    return G_DESCRIPTION


@requires()
async def guided_description(update: Update, context: BotContext, person: Person) -> int:
    message = update.effective_message
    assert message is not None
    return await _ask_category(update, _draft(context), clean_description(message.text or ""))


async def _ask_category(update: Update, draft: dict[str, Any], description: str) -> int:
    draft["description"] = description
    guess = guess_category(description + str(draft.get("location", "")))
    draft["category"] = guess.value
    text = t.GUIDED_ASK_CATEGORY.format(guess=guess.label)
    if update.effective_message is not None and update.effective_message.caption:
        text = t.guided_read_from_caption(draft["location"], description) + text
    await say(update, text, t.guided_category_buttons())
    return G_CATEGORY


_Choice = TypeVar("_Choice", Category, Urgency)


async def _guided_choice(update: Update, kind: type[_Choice]) -> _Choice | None:
    """The category or urgency a guided-path button carries (None if forged or stale)."""
    cb = callbacks.decode(update.callback_query.data if update.callback_query else None)
    try:
        choice = kind(cb.args[0]) if cb and cb.args else None
    except ValueError:
        choice = None
    if choice is None:
        await answer(update, t.STALE)
        return None
    await answer(update, choice.label)
    await _drop_buttons(update)
    return choice


async def guided_category(update: Update, context: BotContext) -> int:
    category = await _guided_choice(update, Category)
    if category is None:
        return G_CATEGORY
    _draft(context)["category"] = category.value
    await _prompt(update, t.GUIDED_ASK_URGENCY, t.guided_urgency_buttons())
    return G_URGENCY


@requires()
async def guided_category_text(update: Update, context: BotContext, person: Person) -> int:
    _take(update, context, "category", lambda text: parse_category(text).value)
    await say(update, t.GUIDED_ASK_URGENCY, t.guided_urgency_buttons())
    return G_URGENCY


async def _summary(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    text = t.guided_summary(
        draft["location"],
        draft["description"],
        Category(draft["category"]),
        Urgency(draft.get("urgency", Urgency.NORMAL.value)),
        len(draft["photos"]),
    )
    await _prompt(update, text, t.GUIDED_SUMMARY_BUTTONS)
    return G_CONFIRM


async def guided_urgency(update: Update, context: BotContext) -> int:
    urgency = await _guided_choice(update, Urgency)
    if urgency is None:
        return G_URGENCY
    _draft(context)["urgency"] = urgency.value
    return await _summary(update, context)


@requires()
async def guided_urgency_text(update: Update, context: BotContext, person: Person) -> int:
    _take(update, context, "urgency", lambda text: parse_urgency(text).value)
    return await _summary(update, context)


@requires()
async def guided_submit(update: Update, context: BotContext, person: Person) -> int:
    draft = _draft(context)
    result = await service.report(
        context.services,
        reporter=Actor.of(person),
        location=draft["location"],
        description=draft["description"],
        category=Category(draft["category"]),
        urgency=Urgency(draft.get("urgency", Urgency.NORMAL.value)),
        photos=_photos(draft["photos"]),
    )
    assert context.user_data is not None
    context.user_data.pop(GUIDED, None)
    await answer(update, t.guided_done(result.ticket))
    await _drop_buttons(update)  # 「已提交」 itself is in the outbox, queued with the report
    return ConversationHandler.END


async def guided_cancel(update: Update, context: BotContext) -> int:
    if context.user_data is not None:
        context.user_data.pop(GUIDED, None)
    await answer(update)
    await _drop_buttons(update)
    if update.callback_query is not None:
        await _prompt(update, t.GUIDED_CANCELLED)
    else:
        await say(update, t.GUIDED_CANCELLED)
    return ConversationHandler.END


async def guided_use_buttons(update: Update, context: BotContext) -> None:
    await say(update, t.GUIDED_USE_BUTTONS)


def _guided_conversation() -> ConversationHandler[BotContext]:
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND
    images = private & IMAGE_FILES

    def button(action: str) -> str:
        return rf"^{t.NS}:{action}(:|$)"

    with warnings.catch_warnings():
        # Buttons are tracked per chat and user on purpose: the draft lives in user_data
        # and every button carries all it needs, so per_message tracking is not wanted.
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("repair", guided_start, filters=private)],
            states={
                G_PHOTOS: [
                    MessageHandler(images, guided_photo),
                    CallbackQueryHandler(guided_skip, pattern=button("gskip")),
                    MessageHandler(text, guided_location),
                ],
                G_LOCATION: [
                    MessageHandler(text, guided_location),
                    MessageHandler(images, guided_photo),
                ],
                G_DESCRIPTION: [
                    MessageHandler(text, guided_description),
                    MessageHandler(images, guided_photo),
                ],
                G_CATEGORY: [
                    CallbackQueryHandler(guided_category, pattern=button("gc")),
                    MessageHandler(text, guided_category_text),
                    MessageHandler(images, guided_photo),
                ],
                G_URGENCY: [
                    CallbackQueryHandler(guided_urgency, pattern=button("gu")),
                    MessageHandler(text, guided_urgency_text),
                    MessageHandler(images, guided_photo),
                ],
                G_CONFIRM: [
                    CallbackQueryHandler(guided_submit, pattern=button("gok")),
                    CallbackQueryHandler(guided_cancel, pattern=button("gno")),
                    MessageHandler(text, guided_use_buttons),
                    MessageHandler(images, guided_photo),
                ],
            },
            fallbacks=[CommandHandler("cancel", guided_cancel, filters=private)],
            name=GUIDED_NAME,
            persistent=True,
            allow_reentry=True,
        )


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Order matters: a follow-up input someone owes us comes first; then the guided
    conversation; then photos with captions; then buttons."""
    private = filters.ChatType.PRIVATE
    owes_text = _OwesInput(app, images=False)
    owes_image = _OwesInput(app, images=True)
    app.add_handler(CommandHandler("cancel", on_pending_cancel, filters=private & owes_text))
    app.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND & owes_text, on_pending_input)
    )
    app.add_handler(MessageHandler(private & IMAGE_FILES & owes_image, on_pending_input))
    app.add_handler(_guided_conversation())
    app.add_handler(CommandHandler("repairs", on_list, filters=private))
    # A picture nobody else is waiting for is a repair report. Registered after the flows
    # that take pictures (purchase drafts, patrol prompts), see bot/app.py.
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & IMAGE_FILES, on_photo))
    app.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(t.NS)))
    route(t.REF, on_reply)
