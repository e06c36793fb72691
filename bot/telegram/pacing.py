"""Pacing requests under Telegram's flood limits, replies ahead of bulk work (issue 14).

Telegram allows a bot about 30 messages a second and 20 a minute in one group. PTB's
AIORateLimiter spends that budget first come, first served, and one 429 holds every request,
so during a 130-person menu push a teacher's /help waited behind the push. Here the budget
is one sliding one-second window shared by two lanes:

- replies (the default: what a handler answers, the outbox's reply lane) may use all of
  it (``overall``); a 429 holds both lanes for its ``retry_after`` and the reply is retried;
- bulk (``rate_limit_args=Lane.BULK``: the outbox's bulk lane) only while the window
  holds fewer than ``bulk`` messages, so replies always find room; in a group at most
  ``group_per_minute``; a 429 holds the bulk lane alone and is raised to the outbox,
  which keeps the row for later.

Requests without a chat (answering a tap, getUpdates, getFile) are not counted: Telegram
does not count them either, and a tap must be answered at once.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram._utils.types import JSONDict
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.domain.messages import Lane

OVERALL_PER_SECOND = 28  # a little under Telegram's 30, for clock skew between us and them
BULK_PER_SECOND = 20  # leaves at least 8 a second for replies during any push
GROUP_PER_MINUTE = 19
REPLY_RETRIES = 3


def _seconds(wait: float | timedelta) -> float:
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


class LanePacer(BaseRateLimiter[Lane]):
    def __init__(
        self,
        overall: int = OVERALL_PER_SECOND,
        bulk: int = BULK_PER_SECOND,
        group_per_minute: int = GROUP_PER_MINUTE,
        reply_retries: int = REPLY_RETRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.overall = overall
        self.bulk = min(bulk, overall)
        self.group_per_minute = group_per_minute
        self.reply_retries = reply_retries
        self._clock = clock
        self._window: collections.deque[float] = collections.deque()  # sends in the last second
        self._groups: dict[int, collections.deque[float]] = {}
        self._held_until = 0.0  # a 429 on a reply: everything waits
        self._bulk_held_until = 0.0  # a 429 on bulk work: bulk waits

    async def initialize(self) -> None:
        """Nothing to set up: the windows live in memory."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def _wait_needed(self, lane: Lane, group: int | None) -> float:
        """Seconds until ``lane`` may send one more (0: now), after dropping old entries."""
        now = self._clock()
        held = self._held_until if lane is Lane.REPLY else max(self._held_until,
                                                                self._bulk_held_until)  # fmt: skip
        if held > now:
            return held - now
        window = self._window
        while window and window[0] <= now - 1.0:
            window.popleft()
        limit = self.overall if lane is Lane.REPLY else self.bulk
        if len(window) >= limit:
            # The window frees its oldest entries one by one; wait for the one we need.
            return window[len(window) - limit] + 1.0 - now + 0.001
        if group is not None and lane is Lane.BULK:
            sent = self._groups.setdefault(group, collections.deque())
            while sent and sent[0] <= now - 60.0:
                sent.popleft()
            if len(sent) >= self.group_per_minute:
                return sent[0] + 60.0 - now + 0.001
        return 0.0

    async def _take(self, lane: Lane, group: int | None) -> None:
        # A timed wait, not an event: the window frees itself as time passes.
        while (wait := self._wait_needed(lane, group)) > 0:  # noqa: ASYNC110
            await asyncio.sleep(wait)
        # No await between the check and the count: asyncio runs one of us at a time.
        now = self._clock()
        self._window.append(now)
        if group is not None:
            self._groups.setdefault(group, collections.deque()).append(now)
            if len(self._groups) > 512:  # forget groups quiet for a minute
                for key in [k for k, v in self._groups.items() if not v or v[-1] <= now - 60]:
                    del self._groups[key]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Lane | None,
    ) -> bool | JSONDict | list[JSONDict]:
        lane = rate_limit_args if rate_limit_args is not None else Lane.REPLY
        chat_id = data.get("chat_id")
        if chat_id is None:
            return await callback(*args, **kwargs)
        try:
            numeric = int(chat_id)
        except (TypeError, ValueError):
            numeric = -1  # "@channel": a channel, paced like a group
        group = numeric if numeric < 0 else None
        attempt = 0
        while True:
            await self._take(lane, group)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                until = self._clock() + _seconds(exc.retry_after) + 0.1
                if lane is Lane.BULK:
                    # Only the bulk lane waits; the outbox keeps the row for after the wait.
                    self._bulk_held_until = max(self._bulk_held_until, until)
                    raise
                self._held_until = max(self._held_until, until)
                attempt += 1
                if attempt > self.reply_retries:
                    raise
