"""Updates handled concurrently, each chat's and each person's in order (issue 14).

One slow update (an export, a 12 MP photo, a tap that edits many chats) must not hold up
everyone else, but a chat's messages must still be handled in the order they were sent: a
conversation step, a draft in user_data and the inbox mark assume it. So every update
takes a lock for its chat and one for its user, in a fixed order (no deadlock), and
updates sharing neither run side by side, at most ``MAX_CONCURRENT`` at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.locks import KeyedLocks

MAX_CONCURRENT = 16
MAX_TAKEN = 256


def order_keys(update: object) -> list[str]:
    """What must not interleave with ``update``: its chat and its user."""
    if not isinstance(update, Update):
        return []
    keys = []
    if update.effective_chat is not None:
        keys.append(f"chat:{update.effective_chat.id}")
    if update.effective_user is not None:
        keys.append(f"user:{update.effective_user.id}")
    return sorted(keys)


class PerChatInOrder(BaseUpdateProcessor):
    def __init__(
        self, max_concurrent_updates: int = MAX_CONCURRENT, max_taken: int = MAX_TAKEN
    ) -> None:
        # PTB's own bound counts updates taken off the queue, waiting for their chat or
        # running; ours counts running ones only, so a burst in one chat (an album, someone
        # tapping fast) waits for its chat without taking the slots other chats need.
        super().__init__(max_taken)
        self._running = asyncio.Semaphore(max_concurrent_updates)
        self._locks = KeyedLocks()  # by chat and by user
        # Set while nothing is taken: lets a caller wait until every update it sent is done.
        self._taken = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def wait_idle(self) -> None:
        """Until no update is waiting for its chat or running."""
        await self._idle.wait()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        keys = order_keys(update)
        # Claimed before the first await: updates queue on a key in arrival order
        # (asyncio.Lock wakes its waiters first come, first served).
        locks = [self._locks.claim(key) for key in keys]
        held: list[asyncio.Lock] = []
        self._taken += 1
        self._idle.clear()
        try:
            for lock in locks:
                await lock.acquire()
                held.append(lock)
            async with self._running:
                await coroutine
        finally:
            for lock in reversed(held):
                lock.release()
            for key in keys:
                self._locks.unclaim(key)
            if len(held) < len(locks) and asyncio.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting: never started
            self._taken -= 1
            if not self._taken:
                self._idle.set()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def keys_in_flight(self) -> int:
        return len(self._locks)
