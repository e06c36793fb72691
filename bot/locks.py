"""Locks by name, made on first use and dropped when nobody holds or waits for them, so
the table stays the size of what is in flight (updates per chat, edits per message)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class KeyedLocks:
    def __init__(self) -> None:
        # key -> (its lock, holders and waiters)
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    def claim(self, key: str) -> asyncio.Lock:
        """The lock for ``key``, counted as wanted until ``unclaim``. Claim before the
        first await to queue in arrival order (asyncio.Lock wakes first come, first served)."""
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        return lock

    def unclaim(self, key: str) -> None:
        lock, users = self._locks[key]
        if users <= 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self.claim(key)
        try:
            async with lock:
                yield
        finally:
            self.unclaim(key)

    def __len__(self) -> int:
        return len(self._locks)
