"""A sliding-window limit, so a stranger who floods the bot stops getting answers."""

from __future__ import annotations

from collections import deque


class Throttle:
    def __init__(self, limit: int = 5, window_seconds: float = 60, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window = window_seconds
        self.max_keys = max_keys
        self._hits: dict[int, deque[float]] = {}

    def allow(self, key: int, now: float) -> bool:
        """Record a hit; True while ``key`` has had at most ``limit`` hits in the window."""
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:  # bounded memory under a flood of ids
                self._hits.clear()
            hits = self._hits[key] = deque()
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        hits.append(now)
        return len(hits) <= self.limit
