"""Durable receiving (issue 13): an update is either handled or still deliverable after
a restart, even under ``kill -9``.

Polling confirms an update to Telegram with the offset of the *next* ``getUpdates`` call,
and PTB's Updater puts each update on the update queue before making that call. So the
queue's ``put`` writes the update to the inbox table first: once Telegram forgets an
update, we have it. ``process_update`` skips an update already handled (Telegram may
deliver it again after a kill, and the start-up replay may hold it too) and marks it
handled after the handler and its conversation step are saved.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.context import services_of
from bot.domain import faults
from storage import inbox
from storage.db import begin_update

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]
MAX_REPLAYS = 3


class InboxQueue(asyncio.Queue[object]):
    """The update queue that writes every update to the inbox before accepting it."""

    def __init__(self) -> None:
        super().__init__()
        self.app: AnyApp | None = None

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and self.app is not None:
            svc = services_of(self.app)
            try:
                await inbox.record(svc.db, item.update_id, item.to_dict(), svc.now())
            except (sqlite3.Error, OSError) as exc:
                # Disk trouble: still handle the update (the user gets an answer, a
                # read-only request works), only without the crash protection.
                kind = faults.kind_of(exc) or "error"
                if svc.fault_alarm.due(f"log:{kind}", svc.now()):
                    log.error("cannot write the inbox (%s): %s", kind, exc)
        await super().put(item)


async def replay(app: AnyApp) -> int:
    """At start, before polling: queue the updates received but never handled."""
    svc = services_of(app)
    pending, given_up = await inbox.take_for_replay(svc.db, svc.now(), MAX_REPLAYS)
    for update_id in given_up:
        log.error(
            "update %s did not finish in %s starts; it is dropped (kept in the inbox table)",
            update_id,
            MAX_REPLAYS,
        )
    for payload in pending:
        update = Update.de_json(payload, app.bot)
        if update is not None:
            app.update_queue.put_nowait(update)  # not put(): it is in the inbox already
    if pending:
        log.info("replaying %s update(s) received before the last stop", len(pending))
    return len(pending)


async def process(app: AnyApp, update: object, handle: Callable[[object], Awaitable[None]]) -> None:
    """Handle ``update`` once, and mark it handled when its effects are saved."""
    if not isinstance(update, Update):
        await handle(update)
        return
    svc = services_of(app)
    try:
        if await inbox.is_handled(svc.db, update.update_id):
            log.info("update %s was handled before the restart; skipped", update.update_id)
            return
    except (sqlite3.Error, OSError):
        pass  # the handler will meet the same fault and answer it
    handling = begin_update(update.update_id, svc.now)
    try:
        await handle(update)
        # On a disk fault the error handler has said so already; the update stays in the
        # inbox and is tried again at the next start.
        if not handling.settled:  # nothing it did was saved: mark it now
            with contextlib.suppress(sqlite3.Error, OSError):
                await inbox.mark_handled(svc.db, update.update_id, svc.now())
    finally:
        handling.update_id = None
