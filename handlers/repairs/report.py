"""Reporting a repair the fast way: a photo with its caption (an album is one report, a
photo without a caption waits for one), and the follow-up inputs a person owes us (a
caption, a reason, an after-photo)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
)

from bot import callbacks, router
from bot.callbacks import RepairAction
from bot.context import BotContext
from bot.domain.errors import DomainError, ReasonRequired
from bot.domain.messages import Photo
from bot.domain.people import Person
from bot.protocol import Ref
from bot.services import directory
from bot.services import purchases as purchase_service
from bot.services import repairs as service
from bot.services.people import Actor
from bot.telegram import about
from bot.telegram.jobqueue import drop_jobs, job_queue
from bot.telegram.media import receive_image
from bot.telegram.state import UserState
from bot.texts import purchases as purchase_texts
from bot.texts import repairs as t
from handlers import pending as prompts
from handlers.common import esc, message_kind, requires, say
from handlers.purchases.late import ask_certificate_line
from handlers.repairs.shared import (
    ALBUM_WAIT_SECONDS,
    PENDING_TTL,
    photo_dict,
    photos_of,
    pop_pending,
    replied_ref,
    set_pending,
)
from handlers.repairs.steps import act, on_reply, photo_reply

log = logging.getLogger(__name__)


# ---- fast path ----------------------------------------------------------------------
async def submit_caption(
    context: BotContext, person: Person, chat_id: int, caption: str, photos: tuple[Photo, ...],
    captioned: int | None = None,
) -> None:  # fmt: skip
    """``captioned``: the id of the photo message that carries the caption (an edit of
    that caption updates the report)."""
    # The 「已提交」 answer goes through the outbox, in the report's own transaction (it is
    # remembered there as about this report, so a reply to it is understood).
    source = (chat_id, captioned) if captioned is not None else None
    await service.report_caption(
        context.services, reporter=Actor.of(person), caption=caption, photos=photos, source=source
    )


@requires()
async def on_photo(update: Update, context: BotContext, person: Person) -> None:
    """A photo (or an image file) in a private chat: a report if it has a caption;
    in reply to a repair message, an after-photo or a short explanation instead."""
    message = update.effective_message
    assert message is not None and context.user_data is not None
    latest = await purchase_service.latest_submitted(context.services, person)
    caption = (message.caption or "").strip()
    if not caption and (offered := _offered_text(context, for_photo=True)):
        caption = offered  # 补充照片 was tapped: the text is this photo's caption
        context.user_data.repair_offer = None
    intent = router.route(
        router.Incoming(
            message_kind(message),
            caption,
            person.roles,
            replied_to=await replied_ref(context, message),
            recent_purchase=latest.recent,
            last_purchase=latest.last,
        )
    )
    if isinstance(intent, router.AddToRepair):
        await photo_reply(update, context, person, intent.repair_id)
        return
    if isinstance(intent, router.AddToPurchase):
        image = await receive_image(update, context, folder="purchases")
        if await ask_certificate_line(update, context, person, intent.purchase_id, caption, image):
            return
        purchase, kind = await purchase_service.add_late_photo(
            context.services, person, intent.purchase_id, caption, image
        )
        sent = await say(update, purchase_texts.late_photo_added(purchase, kind))
        about.remember(context.chat_data, sent, Ref.purchase(purchase.id))
        return
    # DomainError (not an image, corrupt, too big) is answered by @requires.
    photo = await receive_image(update, context, folder="repairs")
    group = message.media_group_id
    if isinstance(intent, router.AskIfRepair):
        await _ask_if_repair(update, context, caption, photo)
        return
    if group:
        albums = context.user_data.repair_albums
        album = albums.setdefault(
            group, {"photos": [], "caption": None, "chat_id": message.chat_id}
        )
        if len(album["photos"]) < service.MAX_PHOTOS:
            album["photos"].append(photo_dict(photo))
        if caption:
            album["caption"] = caption
            album["captioned"] = message.message_id
        _schedule_album(context, person.user_id, message.chat_id, group)
        return
    if caption:
        try:
            await submit_caption(
                context, person, message.chat_id, caption, (photo,), message.message_id
            )
        except DomainError as err:  # only emoji, too long: the photo waits for better words
            _add_waiting_photos(context, [photo_dict(photo)])
            raise DomainError(t.caption_refused(err.message)) from None
        await _tell_still_waiting(context, message.chat_id)
        return
    _add_waiting_photos(context, [photo_dict(photo)])
    await say(update, t.ASK_CAPTION)


async def _tell_still_waiting(context: BotContext, chat_id: int) -> None:
    """Photos refused earlier never join a later report unannounced: say they still wait."""
    assert context.user_data is not None
    pending = context.user_data.repair_pending
    if pending is not None and pending.get("kind") == "caption" and pending.get("photos"):
        await context.bot.send_message(chat_id, t.photos_still_waiting(len(pending["photos"])))


async def _ask_if_repair(update: Update, context: BotContext, caption: str, photo: Photo) -> None:
    """The photo waits (kept in the person's state) until they say whether it is a repair;
    more photos of the same album join it."""
    assert context.user_data is not None
    waiting = context.user_data.repair_maybe
    photos = list(waiting.get("photos") or []) if waiting else []
    if waiting is not None and waiting.get("caption") == caption:
        photos.append(photo_dict(photo))
        context.user_data.repair_maybe = {**waiting, "photos": photos[: service.MAX_PHOTOS]}
        return
    context.user_data.repair_maybe = {"photos": [photo_dict(photo)], "caption": caption}
    yes, no = t.MAYBE_BUTTONS
    await say(update, t.IS_IT_A_REPAIR, [[
        (yes, callbacks.button(RepairAction.MAYBE_YES)),
        (no, callbacks.button(RepairAction.MAYBE_NO)),
    ]])  # fmt: skip


# ---- a text that reads as a repair report -------------------------------------------
OFFER_TTL = PENDING_TTL


async def offer_repair(
    update: Update, context: BotContext, text: str, *, has_place: bool = True
) -> None:
    """「3号楼男厕下水道堵了」 alone: offered as a report with one tap, never filed unasked."""
    assert context.user_data is not None
    context.user_data.repair_offer = prompts.ask(context.services.now(), text=text)
    submit, photo, cancel = t.OFFER_BUTTONS
    await say(update, t.offer_repair(text, has_place=has_place), [[
        (submit, callbacks.button(RepairAction.OFFER_SUBMIT)),
        (photo, callbacks.button(RepairAction.OFFER_PHOTO)),
        (cancel, callbacks.button(RepairAction.OFFER_CANCEL)),
    ]])  # fmt: skip


def drop_offer(context: BotContext) -> bool:
    """「算了」 after an offered report (text or a photo asked about): nothing is filed.
    True if one was waiting."""
    state = context.user_data
    if state is None:
        return False
    waiting = _offered_text(context, for_photo=False) is not None or bool(state.repair_maybe)
    state.repair_offer = state.repair_maybe = None
    return waiting


def _offered_text(context: BotContext, *, for_photo: bool) -> str | None:
    """The offered text while it is fresh (and, for a photo, once 补充照片 was tapped)."""
    offer = context.user_data.repair_offer if context.user_data is not None else None
    if not prompts.is_fresh(offer, context.services.now(), OFFER_TTL) or offer is None:
        return None
    if for_photo and not offer.get("photo"):
        return None
    return str(offer.get("text") or "") or None


@requires()
async def on_offer_button(update: Update, context: BotContext, person: Person) -> None:
    query = update.callback_query
    cb = callbacks.decode(query.data if query is not None else None)
    action = cb.action_of(RepairAction) if cb is not None else None
    chat = update.effective_chat
    assert context.user_data is not None and query is not None and chat is not None
    await query.answer()
    text = _offered_text(context, for_photo=False)
    if text is None:
        await context.bot.send_message(chat.id, t.OFFER_GONE)
        return
    await query.edit_message_reply_markup(reply_markup=None)
    if action is RepairAction.OFFER_PHOTO:
        context.user_data.repair_offer = {**(context.user_data.repair_offer or {}), "photo": True}
        await context.bot.send_message(chat.id, t.OFFER_SEND_PHOTO)
        return
    context.user_data.repair_offer = None
    if action is RepairAction.OFFER_SUBMIT:
        await submit_caption(context, person, chat.id, text, ())
    else:
        await context.bot.send_message(chat.id, t.OFFER_CANCELLED)


@requires()
async def on_maybe_button(update: Update, context: BotContext, person: Person) -> None:
    """是，报修: the waiting photo and its caption become a report; 不是: dropped."""
    query = update.callback_query
    cb = callbacks.decode(query.data if query is not None else None)
    is_repair = cb is not None and cb.action_of(RepairAction) is RepairAction.MAYBE_YES
    assert context.user_data is not None
    waiting, context.user_data.repair_maybe = context.user_data.repair_maybe, None
    query = update.callback_query
    chat = update.effective_chat
    if query is not None:
        await query.answer()
        await query.edit_message_reply_markup(reply_markup=None)
    if waiting is None or chat is None:
        await say(update, t.MAYBE_GONE)
        return
    if not is_repair:
        await context.bot.send_message(chat.id, t.NOT_A_REPAIR)
        return
    await submit_caption(
        context, person, chat.id, str(waiting.get("caption") or ""), photos_of(waiting["photos"])
    )


def _add_waiting_photos(context: BotContext, photos: list[dict[str, Any]]) -> None:
    """Photos without a caption wait for one; later photos join the same report."""
    assert context.user_data is not None
    pending = context.user_data.repair_pending
    earlier: list[dict[str, Any]] = []
    if pending is not None and pending.get("kind") == "caption":
        earlier = list(pending.get("photos") or [])
    set_pending(context, "caption", photos=(earlier + photos)[: service.MAX_PHOTOS])


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
    for user_id, state in app.user_data.items():
        albums = state.repair_albums if isinstance(state, UserState) else {}
        for group, album in albums.items():
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
    album = context.user_data.repair_albums.pop(str(data.get("group")), None)
    if not album or not album.get("photos"):
        return
    person = await directory.find(context.services, job.user_id)
    if person is None:
        return
    if album.get("caption"):
        try:
            captioned = album.get("captioned")
            await submit_caption(
                context, person, job.chat_id, album["caption"], photos_of(album["photos"]),
                captioned if isinstance(captioned, int) else None,
            )  # fmt: skip
        except DomainError as err:
            _add_waiting_photos(context, list(album["photos"]))
            await context.bot.send_message(job.chat_id, esc(t.caption_refused(err.message)))
        else:
            await _tell_still_waiting(context, job.chat_id)
    else:
        _add_waiting_photos(context, list(album["photos"]))
        await context.bot.send_message(job.chat_id, t.ASK_CAPTION)
    # A job's changes are otherwise saved on PTB's timer: the photos now waiting for a
    # caption must not be lost to a crash right after we asked for it.
    context.application.mark_data_for_update_persistence(user_ids=job.user_id, chat_ids=job.chat_id)
    await context.application.update_persistence()


# ---- follow-up inputs (caption, reject reason, after-photo, reopen reason) -----------
@requires()
async def on_pending_input(update: Update, context: BotContext, person: Person) -> None:
    message = update.effective_message
    assert message is not None and context.user_data is not None
    pending = context.user_data.repair_pending
    if pending is None:
        return
    kind = pending.get("kind")
    text = (message.text or message.caption or "").strip()
    # First the input itself: if it is unusable, say why and keep waiting for a better one.
    photos: tuple[Photo, ...] = ()
    subject = Ref.repair(int(pending["id"])) if pending.get("id") else None
    intent = router.route(
        router.Incoming(
            message_kind(message),
            text,
            person.roles,
            replied_to=await replied_ref(context, message),
            pending=router.Pending(str(kind), subject),
        )
    )
    # An answer to another report's message is about that report; we keep waiting.
    if isinstance(intent, router.AddToRepair):
        await photo_reply(update, context, person, intent.repair_id)
        return
    if isinstance(intent, router.ReplyToRepair):
        await on_reply(update, context, person, intent.repair_id, message.text or "")
        return
    if kind == "done" and message.text is None:
        photos = (await receive_image(update, context, folder="repairs"),)
    if kind in ("reject", "reopen", "hold") and not text:
        raise ReasonRequired(t.NEED_REASON)
    if kind == "done" and not text and not photos:
        raise DomainError(t.ASK_DONE_PROOF)
    pop_pending(context)
    if kind == "note":  # the repairer's words after 完成 with a photo
        if not text:
            return
        ticket = await service.add_done_note(
            context.services, int(pending["id"]), by=person, note=text
        )
        await say(update, t.done_note_saved(ticket))
        return
    # Then the action: a "已由 X 受理" answer ends the wait, there is nothing left to do.
    if kind != "caption":
        await act(update, context, person, str(kind), int(pending["id"]), text, photos)
        return
    try:
        await submit_caption(
            context, person, message.chat_id, text, photos_of(pending.get("photos")),
            message.message_id,
        )  # fmt: skip
    except DomainError:
        context.user_data.repair_pending = pending
        raise


@requires()
async def on_pending_cancel(update: Update, context: BotContext, person: Person) -> None:
    pop_pending(context)
    await say(update, t.PENDING_CANCELLED)
