"""The services every handler and job reaches through ``context.services``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import Clock
from bot.config import Settings
from bot.domain.throttle import Throttle
from storage.db import Database
from storage.faults import FaultAlarm


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=Clock)
    bot_username: str = ""
    # Set by the application: wakes the outbox sender right after a commit, so a
    # notification goes out at once instead of at the next poll of the outbox.
    kick_outbox: Callable[[], None] = field(default=lambda: None)
    # One delivery at a time per running bot (not per process: a module-wide lock stays
    # held forever if an event loop ends mid-delivery, and the next loop can never send).
    outbox_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Strangers get a refusal for at most 5 messages a minute, then silence.
    stranger_throttle: Throttle = field(default_factory=lambda: Throttle(5, 60))
    # Disk full, read-only, damaged: said once per kind per hour, to the log and to admins.
    fault_alarm: FaultAlarm = field(default_factory=FaultAlarm)

    def now(self) -> datetime:
        return self.clock.now()

    def local_now(self) -> datetime:
        return self.clock.now().astimezone(self.settings.timezone)
