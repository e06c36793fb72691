"""The services every handler and job reaches through ``context.services``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import Clock
from bot.config import Settings
from bot.domain.faults import FaultAlarm
from bot.domain.messages import Lane
from bot.domain.throttle import Throttle
from bot.locks import KeyedLocks
from storage.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=Clock)
    bot_username: str = ""
    # Set by the application: wakes the outbox sender right after a commit, so a
    # notification goes out at once instead of at the next poll of the outbox.
    kick_outbox: Callable[[], None] = field(default=lambda: None)
    # Created when the outbox sender starts, inside the application's event loop (one per
    # Application and lane): the poll and a kick must not send the same row twice.
    outbox_locks: dict[Lane, asyncio.Lock] | None = None
    # Lanes kicked while a delivery held their lock: that delivery goes round once more,
    # so a row committed meanwhile never waits for the next poll.
    outbox_again: set[Lane] = field(default_factory=set)
    # One edit at a time per message (by outbox.refresh_key): a refresh in flight and the
    # tapper's own direct edit of the same checklist must not cross.
    message_locks: KeyedLocks = field(default_factory=KeyedLocks)
    # Strangers get a refusal for at most 5 messages a minute, then silence.
    stranger_throttle: Throttle = field(default_factory=lambda: Throttle(5, 60))
    # Disk full, read-only, damaged: said once per kind per hour, to the log and to admins.
    fault_alarm: FaultAlarm = field(default_factory=FaultAlarm)

    def now(self) -> datetime:
        return self.clock.now()

    def local_now(self) -> datetime:
        return self.clock.now().astimezone(self.settings.timezone)
