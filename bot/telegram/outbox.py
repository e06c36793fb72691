"""Delivers the outbox. A row is marked sent only when Telegram accepted the message;
network errors, 5xx and 429 are retried later (429 after its ``retry_after``); a
permanent refusal (blocked bot, bad chat) is marked failed and logged, never retried forever.

Two lanes (issue 14), each with its own loop and lock: the reply lane (answers and what a
person's action tells others) and the bulk lane (pushes, reminders, refreshed copies of a
shared card), whose requests the pacer (bot/telegram/pacing.py) keeps below Telegram's
limits. Within a lane, chats are served side by side and each chat's rows in order.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, InputMediaPhoto, Message, ReplyKeyboardMarkup
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application, ExtBot

from bot.context import BotContext, services_of
from bot.domain.messages import CAPTION_LIMIT, Lane, OutMessage, Photo, split_text
from bot.services.container import Services
from bot.telegram.jobqueue import drop_jobs, job_queue
from bot.telegram.keyboards import markup
from bot.texts import common as texts
from storage import outbox
from storage.files import read_bytes
from storage.outbox import PendingMessage

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
JOB_NAME = "outbox:poll"
MAX_ATTEMPTS = 50  # with backoff capped at 10 min this is several hours of retrying
CHATS_AT_ONCE = 8  # chats served side by side in one lane (each chat's rows in order)


def _job_name(lane: Lane) -> str:
    return f"{JOB_NAME}:{lane.name.lower()}"


# Stored pictures being uploaded right now, by path: the file_id Telegram gives the first
# upload (None if it failed). A push of the weekly menu picture to 130 chats served side by
# side uploads it once and sends the file_id to the others.
InFlight = dict[str, "asyncio.Future[str | None]"]


async def _photo_inputs(
    svc: Services, photos: tuple[Photo, ...], in_flight: InFlight
) -> list[tuple[str | bytes, str | None]]:
    """What to send for each photo, with the stored path when it is an upload: its file_id,
    else the file_id of an earlier upload of the same stored file (or of one under way),
    else the file's bytes. A file that is gone (pruned, disk trouble) is skipped, so the
    notification still goes out."""
    known = await outbox.uploaded_file_ids(
        svc.db, [p.path for p in photos[:10] if not p.file_id and p.path]
    )
    inputs: list[tuple[str | bytes, str | None]] = []
    mine: set[str] = set()  # uploads this message makes (never wait for one's own)
    for photo in photos[:10]:
        path = photo.path or ""
        if photo.file_id:
            inputs.append((photo.file_id, None))
            continue
        if path in known:
            inputs.append((known[path], None))
            continue
        waiting = path in in_flight and path not in mine
        if waiting and (file_id := await asyncio.shield(in_flight[path])):
            inputs.append((file_id, None))
            continue
        if path not in mine:  # claimed before the first await: the others wait for us
            in_flight[path] = asyncio.get_running_loop().create_future()
            mine.add(path)
        try:
            data = await read_bytes(svc.settings.data_dir, path)
        except (OSError, ValueError):
            log.warning("photo %s is missing; sending the notification without it", photo.path)
            _settle(in_flight, path, None)
            continue
        inputs.append((data, path))
    return inputs


def _remember(
    uploads: dict[str, str],
    inputs: list[tuple[str | bytes, str | None]],
    sent: list[Message],
    in_flight: InFlight,
) -> None:
    """Keep the file_id Telegram gave each uploaded file, to send it by id next time (saved
    with the mark-as-sent, so no other write sits between the send and that mark)."""
    for (_, path), message in zip(inputs, sent, strict=False):
        if path is not None and message.photo:
            uploads[path] = message.photo[-1].file_id
            _settle(in_flight, path, uploads[path])


def _settle(in_flight: InFlight, path: str, file_id: str | None) -> None:
    future = in_flight.get(path)
    if future is not None and not future.done():
        future.set_result(file_id)


async def send_message(
    bot: ExtBot[Any],
    svc: Services,
    chat_id: int,
    msg: OutMessage,
    uploads: dict[str, str] | None = None,
    lane: Lane = Lane.REPLY,
    in_flight: InFlight | None = None,
) -> list[int]:
    """Send one OutMessage; returns the ids of the Telegram messages that carry it, and
    adds what it uploaded to ``uploads`` (stored path -> file_id)."""
    uploads = {} if uploads is None else uploads
    in_flight = {} if in_flight is None else in_flight
    inputs = await _photo_inputs(svc, msg.photos, in_flight)
    try:
        return await _send_inputs(bot, svc, chat_id, msg, inputs, uploads, lane, in_flight)
    finally:
        for _, path in inputs:  # a failed upload: the others upload the file themselves
            if path is not None:
                _settle(in_flight, path, uploads.get(path))


async def _send_inputs(
    bot: ExtBot[Any],
    svc: Services,
    chat_id: int,
    msg: OutMessage,
    inputs: list[tuple[str | bytes, str | None]],
    uploads: dict[str, str],
    lane: Lane,
    in_flight: InFlight,
) -> list[int]:
    paced: dict[str, Any] = {"rate_limit_args": lane}
    keyboard: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = markup(msg.buttons)
    if keyboard is None and msg.keyboard:
        keyboard = ReplyKeyboardMarkup(msg.keyboard, resize_keyboard=True, is_persistent=True)
    photos = [media for media, _ in inputs]
    if msg.document_path:
        data = await read_bytes(svc.settings.data_dir, msg.document_path)
        sent = await bot.send_document(
            chat_id,
            data,
            filename=msg.document_name,
            caption=msg.text,
            reply_markup=keyboard,
            **paced,
        )
        return [sent.message_id]
    if len(photos) == 1 and len(msg.text) <= CAPTION_LIMIT:
        sent = await bot.send_photo(
            chat_id, photos[0], caption=msg.text, reply_markup=keyboard, **paced
        )
        _remember(uploads, inputs, [sent], in_flight)
        return [sent.message_id]
    ids: list[int] = []
    if len(photos) == 1:  # caption too long for a photo: picture first, then the text
        single: Message = await bot.send_photo(chat_id, photos[0], **paced)
        _remember(uploads, inputs, [single], in_flight)
        ids.append(single.message_id)
    elif photos:
        album = await bot.send_media_group(chat_id, [InputMediaPhoto(p) for p in photos], **paced)
        _remember(uploads, inputs, list(album), in_flight)
        ids.extend(m.message_id for m in album)
    *first, last = split_text(msg.text)  # a long purchase must still reach the supervisor
    for part in first:
        ids.append((await bot.send_message(chat_id, part, **paced)).message_id)
    text_message = await bot.send_message(chat_id, last, reply_markup=keyboard, **paced)
    ids.append(text_message.message_id)
    return ids


async def _deliver(
    bot: ExtBot[Any],
    svc: Services,
    item: PendingMessage,
    uploads: dict[str, str],
    in_flight: InFlight,
) -> list[int]:
    paced: dict[str, Any] = {"rate_limit_args": item.lane}
    if item.kind == "message":
        msg = outbox.payload_message(item.payload)
        if item.maybe_sent:  # the same card again, saying so; its buttons check state anyway
            msg = dataclasses.replace(msg, text=f"{msg.text}\n\n{texts.RESENT_NOTE}")
        return await send_message(bot, svc, item.chat_id, msg, uploads, item.lane, in_flight)
    if item.kind == "edit":  # a refreshed copy of a shared card: its latest state
        try:
            await bot.edit_message_text(
                item.payload["text"],
                chat_id=item.chat_id,
                message_id=int(item.payload["message_id"]),
                reply_markup=markup(
                    [[(str(a), str(b)) for a, b in row] for row in item.payload["buttons"]]
                ),
                **paced,
            )
        except BadRequest as exc:
            # Already showing that state, or deleted: nothing left to refresh.
            if "not modified" not in str(exc).lower() and "not found" not in str(exc).lower():
                raise
        return []
    if item.kind == "clear_buttons" and item.payload.get("final"):
        await _settle_card(bot, item, paced)
        return []
    if item.kind == "clear_buttons":
        message_id = int(item.payload["message_id"])
        try:
            await bot.edit_message_reply_markup(
                item.chat_id, message_id, reply_markup=None, **paced
            )
        except BadRequest as exc:
            # Already without buttons, or too old to edit: the goal is met or unreachable.
            if "not modified" not in str(exc).lower() and "not found" not in str(exc).lower():
                raise
        if note := item.payload.get("note"):
            sent = await bot.send_message(
                item.chat_id,
                note,
                reply_to_message_id=message_id,
                allow_sending_without_reply=True,
                **paced,
            )
            return [sent.message_id]
        return []
    raise ValueError(f"unknown outbox kind {item.kind!r}")


def _gone_or_same(exc: BadRequest) -> bool:
    """Edits that cannot or need not happen: the message is gone, too old, or already so."""
    text = str(exc).lower()
    return any(words in text for words in ("not modified", "not found", "can't be edited"))


async def _settle_card(bot: ExtBot[Any], item: PendingMessage, paced: dict[str, Any]) -> None:
    """A handled card edited to its final state, without buttons (its caption when it was
    sent as a photo). If it cannot be edited the way it was sent, the other way is tried;
    failing both, it at least loses its buttons."""
    message_id = int(item.payload["message_id"])
    final = str(item.payload["final"])
    edits = [bot.edit_message_text, bot.edit_message_caption]
    if item.payload.get("caption"):
        edits.reverse()
    for edit in edits:
        try:
            if edit == bot.edit_message_text:
                await bot.edit_message_text(final, item.chat_id, message_id, reply_markup=None,
                                            **paced)  # fmt: skip
            else:
                await bot.edit_message_caption(item.chat_id, message_id, caption=final,
                                               reply_markup=None, **paced)  # fmt: skip
            return
        except BadRequest as exc:
            if _gone_or_same(exc):
                return
            log.info("card %s/%s: %s; trying the other edit", item.chat_id, message_id, exc)
    try:
        await bot.edit_message_reply_markup(item.chat_id, message_id, reply_markup=None, **paced)
    except BadRequest as exc:
        if not _gone_or_same(exc):
            raise


class _Stop(Exception):
    """Telegram asked this lane to wait, or cannot be reached: end this round."""


async def _deliver_one(
    bot: ExtBot[Any], svc: Services, item: PendingMessage, in_flight: InFlight
) -> bool:
    """Send one row and record the outcome; False when the chat's later rows must wait.
    Raises _Stop when the whole lane should stop for now."""
    if item.kind == "edit":
        # Under the message's edit lock, and only if not superseded by a direct edit.
        key = outbox.refresh_key(item.chat_id, int(item.payload["message_id"]))
        async with svc.message_locks.hold(key):
            if not await outbox.still_waiting(svc.db, item.id):
                return True
            return await _send_and_mark(bot, svc, item, in_flight)
    return await _send_and_mark(bot, svc, item, in_flight)


async def _send_and_mark(
    bot: ExtBot[Any], svc: Services, item: PendingMessage, in_flight: InFlight
) -> bool:
    uploads: dict[str, str] = {}
    try:
        await outbox.mark_sending(svc.db, item, svc.now())
        ids = await _deliver(bot, svc, item, uploads, in_flight)
    except RetryAfter as exc:
        wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        await outbox.mark_retry(
            svc.db,
            item,
            f"429 retry after {seconds}s",
            svc.now() + timedelta(seconds=seconds + 0.5),
            maybe_sent=False,
        )
        raise _Stop from exc  # Telegram asked us to slow down: stop this round
    except (BadRequest, Forbidden) as exc:
        log.warning("outbox %s to %s refused for good: %s", item.id, item.chat_id, exc)
        await outbox.mark_failed(svc.db, item, str(exc), svc.now())
        return True
    except (NetworkError, TelegramError, OSError) as exc:
        # Network trouble and 5xx: try again later with backoff.
        if item.attempts + 1 >= MAX_ATTEMPTS:
            log.error("outbox %s gave up after %s attempts: %s", item.id, item.attempts + 1, exc)
            await outbox.mark_failed(svc.db, item, str(exc), svc.now())
        else:
            # Debug only: an outage is logged once (bot/network.py), not per retry.
            log.debug("outbox %s will retry: %s", item.id, exc)
            await outbox.mark_retry(
                svc.db,
                item,
                str(exc),
                svc.now() + outbox.backoff(item.attempts),
                # A timeout may come after Telegram took the message.
                maybe_sent=isinstance(exc, TimedOut),
            )
        if isinstance(exc, NetworkError):
            raise _Stop from exc  # Telegram unreachable: the rest would fail the same way
        return False
    # Only notifications are remembered under their ref: a "已由 X 受理" note must not be
    # edited or replied to again by the next clear of the same ref.
    remembered = ids if item.kind == "message" else []
    await outbox.mark_sent(svc.db, item, remembered, svc.now(), uploads)
    return True


async def _deliver_lane(bot: ExtBot[Any], svc: Services, lane: Lane) -> int:
    items = await outbox.due(svc.db, svc.now(), lane=lane)
    by_chat: dict[int, list[PendingMessage]] = {}
    for item in items:
        by_chat.setdefault(item.chat_id, []).append(item)
    stop = asyncio.Event()
    in_flight: InFlight = {}
    chats_at_once = asyncio.Semaphore(CHATS_AT_ONCE)
    sent = 0

    async def one_chat(rows: list[PendingMessage]) -> None:
        nonlocal sent
        async with chats_at_once:
            for item in rows:
                if stop.is_set():
                    return
                try:
                    if not await _deliver_one(bot, svc, item, in_flight):
                        return  # waiting out a backoff: the chat's later rows wait too
                except _Stop:
                    stop.set()
                    return
                sent += 1

    await asyncio.gather(*(one_chat(rows) for rows in by_chat.values()))
    return sent


async def deliver_due(bot: ExtBot[Any], svc: Services, lane: Lane | None = None) -> int:
    """Send everything due now in ``lane`` (both, replies first, when None). Returns how
    many were sent."""
    locks = svc.outbox_locks
    if locks is None:
        raise RuntimeError("the outbox sender is not running (no lock)")
    sent = 0
    for one in [lane] if lane is not None else list(Lane):
        lock = locks[one]
        async with lock:  # the poll and a kick must not send the same row twice
            while True:
                if svc.outbox_locks is not locks:
                    return sent  # the application shut down meanwhile: the db is closed
                svc.outbox_again.discard(one)
                sent += await _deliver_lane(bot, svc, one)
                if one not in svc.outbox_again:
                    break  # nothing was committed for this lane while it delivered
    return sent


def _busy(svc: Services, lane: Lane) -> bool:
    """A delivery of ``lane`` is under way (a push being paced out): it is asked to go
    round once more instead, for whatever was committed meanwhile."""
    locks = svc.outbox_locks
    if locks is None or not locks[lane].locked():
        return False
    svc.outbox_again.add(lane)
    return True


async def _poll(context: BotContext, lane: Lane) -> None:
    if not _busy(context.services, lane):
        await deliver_due(context.bot, context.services, lane)


async def _poll_replies(context: BotContext) -> None:
    await _poll(context, Lane.REPLY)


async def _poll_bulk(context: BotContext) -> None:
    await _poll(context, Lane.BULK)


_POLLS = {Lane.REPLY: _poll_replies, Lane.BULK: _poll_bulk}


async def _resume(context: BotContext) -> None:
    svc = context.services
    await outbox.retry_now(svc.db, svc.now())
    await deliver_due(context.bot, svc)


def resume(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Telegram answers again: what waited out a backoff goes now, in order."""
    if app.job_queue is not None and app.running:
        app.job_queue.run_once(_resume, 0, name="outbox:resume")


def kick(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Deliver now rather than at the next poll (called after a commit): each lane on its
    own, so a push being paced out never delays an answer. A lane already delivering is
    only asked to go round again; otherwise a task, not a scheduler job (a commit per
    update would cost two APScheduler jobs each)."""
    if not app.running:
        return
    svc = services_of(app)
    for lane in Lane:
        if not _busy(svc, lane):
            app.create_task(_kicked(app.bot, svc, lane), name=f"outbox:kick:{lane.name.lower()}")


async def _kicked(bot: ExtBot[Any], svc: Services, lane: Lane) -> None:
    if svc.outbox_locks is not None:  # else the application stopped since the kick
        await deliver_due(bot, svc, lane)


async def start(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    # Locks made at import time would belong to whichever event loop used them first.
    services_of(app).outbox_locks = {lane: asyncio.Lock() for lane in Lane}
    queue = job_queue(app)
    drop_jobs(queue, JOB_NAME)
    for lane, poll in _POLLS.items():
        drop_jobs(queue, _job_name(lane))
        queue.run_repeating(
            poll,
            interval=POLL_SECONDS,
            first=0,
            name=_job_name(lane),
            job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
