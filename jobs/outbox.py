"""Delivers the outbox. A row is marked sent only when Telegram accepted the message;
network errors, 5xx and 429 are retried later (429 after its ``retry_after``); a
permanent refusal (blocked bot, bad chat) is marked failed and logged, never retried forever.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from datetime import timedelta
from typing import Any

from telegram import InputMediaPhoto, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ExtBot

from bot.context import BotContext, services_of
from bot.domain.messages import OutMessage, Photo, split_text
from bot.services.container import Services
from handlers.keyboards import markup
from jobs import drop_jobs, job_queue
from storage import outbox
from storage.files import read_bytes
from storage.outbox import PendingMessage

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
JOB_NAME = "outbox:poll"
MAX_ATTEMPTS = 50  # with backoff capped at 10 min this is several hours of retrying
# One sender at a time per event loop. Not a single module-level Lock: an asyncio.Lock
# binds to the loop it is first contended in, and a second Application on another loop
# (every test, a restart in the same process) then fails with "bound to a different event
# loop" and its poll never delivers.
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _locks.get(loop)
    if lock is None:
        lock = _locks[loop] = asyncio.Lock()
    return lock


async def _photo_inputs(
    svc: Services, photos: tuple[Photo, ...]
) -> list[tuple[str | bytes, str | None]]:
    """What to send for each photo, with the stored path when it is an upload: its file_id,
    else the file_id of an earlier upload of the same stored file, else the file's bytes. A
    file that is gone (pruned, disk trouble) is skipped, so the notification still goes out."""
    known = await outbox.uploaded_file_ids(
        svc.db, [p.path for p in photos[:10] if not p.file_id and p.path]
    )
    inputs: list[tuple[str | bytes, str | None]] = []
    for photo in photos[:10]:
        if photo.file_id:
            inputs.append((photo.file_id, None))
        elif photo.path in known:
            inputs.append((known[photo.path], None))
        else:
            try:
                inputs.append(
                    (await read_bytes(svc.settings.data_dir, photo.path or ""), photo.path)
                )
            except (OSError, ValueError):
                log.warning("photo %s is missing; sending the notification without it", photo.path)
    return inputs


async def _remember(svc: Services, inputs: list[tuple[str | bytes, str | None]],
                    sent: list[Message]) -> None:  # fmt: skip
    """Keep the file_id Telegram gave each uploaded file, to send it by id next time."""
    uploads = {
        path: message.photo[-1].file_id
        for (_, path), message in zip(inputs, sent, strict=False)
        if path is not None and message.photo
    }
    await outbox.remember_uploads(svc.db, uploads, svc.now())


async def send_message(bot: ExtBot[Any], svc: Services, chat_id: int, msg: OutMessage) -> list[int]:
    """Send one OutMessage; returns the ids of the Telegram messages that carry it."""
    keyboard = markup(msg.buttons)
    inputs = await _photo_inputs(svc, msg.photos)
    photos = [media for media, _ in inputs]
    if msg.document_path:
        data = await read_bytes(svc.settings.data_dir, msg.document_path)
        sent = await bot.send_document(
            chat_id, data, filename=msg.document_name, caption=msg.text, reply_markup=keyboard
        )
        return [sent.message_id]
    if len(photos) == 1 and len(msg.text) <= 1024:
        sent = await bot.send_photo(chat_id, photos[0], caption=msg.text, reply_markup=keyboard)
        await _remember(svc, inputs, [sent])
        return [sent.message_id]
    ids: list[int] = []
    if len(photos) == 1:  # caption too long for a photo: picture first, then the text
        single: Message = await bot.send_photo(chat_id, photos[0])
        await _remember(svc, inputs, [single])
        ids.append(single.message_id)
    elif photos:
        album = await bot.send_media_group(chat_id, [InputMediaPhoto(p) for p in photos])
        await _remember(svc, inputs, list(album))
        ids.extend(m.message_id for m in album)
    *first, last = split_text(msg.text)  # a long purchase must still reach the supervisor
    for part in first:
        ids.append((await bot.send_message(chat_id, part)).message_id)
    text_message = await bot.send_message(chat_id, last, reply_markup=keyboard)
    ids.append(text_message.message_id)
    return ids


async def _deliver(bot: ExtBot[Any], svc: Services, item: PendingMessage) -> list[int]:
    if item.kind == "message":
        return await send_message(bot, svc, item.chat_id, outbox.payload_message(item.payload))
    if item.kind == "clear_buttons":
        message_id = int(item.payload["message_id"])
        try:
            await bot.edit_message_reply_markup(item.chat_id, message_id, reply_markup=None)
        except BadRequest as exc:
            # Already without buttons, or too old to edit: the goal is met or unreachable.
            if "not modified" not in str(exc).lower() and "not found" not in str(exc).lower():
                raise
        if note := item.payload.get("note"):
            sent = await bot.send_message(
                item.chat_id, note, reply_to_message_id=message_id, allow_sending_without_reply=True
            )
            return [sent.message_id]
        return []
    raise ValueError(f"unknown outbox kind {item.kind!r}")


async def deliver_due(bot: ExtBot[Any], svc: Services) -> int:
    """Send everything due now. Returns how many were sent."""
    sent_count = 0
    async with _lock():  # the poll and a kick must not send the same row twice
        for item in await outbox.due(svc.db, svc.now()):
            try:
                ids = await _deliver(bot, svc, item)
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                await outbox.mark_retry(
                    svc.db,
                    item,
                    f"429 retry after {seconds}s",
                    svc.now() + timedelta(seconds=seconds + 0.5),
                )
                break  # Telegram asked us to slow down: stop this round
            except (BadRequest, Forbidden) as exc:
                log.warning("outbox %s to %s refused for good: %s", item.id, item.chat_id, exc)
                await outbox.mark_failed(svc.db, item, str(exc), svc.now())
            except (NetworkError, TelegramError, OSError) as exc:
                # Network trouble and 5xx: try again later with backoff.
                if item.attempts + 1 >= MAX_ATTEMPTS:
                    log.error(
                        "outbox %s gave up after %s attempts: %s", item.id, item.attempts + 1, exc
                    )
                    await outbox.mark_failed(svc.db, item, str(exc), svc.now())
                else:
                    log.info("outbox %s will retry: %s", item.id, exc)
                    await outbox.mark_retry(
                        svc.db, item, str(exc), svc.now() + outbox.backoff(item.attempts)
                    )
            else:
                # Only notifications are remembered under their ref: a "已由 X 受理" note must
                # not be edited or replied to again by the next clear of the same ref.
                remembered = ids if item.kind == "message" else []
                await outbox.mark_sent(svc.db, item, remembered, svc.now())
                sent_count += 1
    return sent_count


async def _poll(context: BotContext) -> None:
    await deliver_due(context.bot, context.services)


def kick(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Deliver now rather than at the next poll (called after a commit)."""
    if app.job_queue is not None and app.running:
        app.job_queue.run_once(_poll, 0, name="outbox:kick")


async def start(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    queue = job_queue(app)
    drop_jobs(queue, JOB_NAME)
    queue.run_repeating(
        _poll,
        interval=POLL_SECONDS,
        first=0,
        name=JOB_NAME,
        job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
    )
    services_of(app)  # fail early if wiring is wrong
