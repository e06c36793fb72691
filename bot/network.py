"""Reaching Telegram from a school server: through a proxy if need be, and saying so once
when the network is down and once when it is back.

Every Bot API call (long polling, sends, file downloads) goes through one of the two
request objects built here, so the proxy and the outage watch cover all of them. PTB
retries polling by itself and the outbox retries its rows; without the watch an outage of
ten minutes would write a log line for every retry of each.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData

log = logging.getLogger(__name__)

# Telegram's 5xx (or a proxy's 502 when it cannot reach Telegram): the way is blocked.
_UNREACHABLE = frozenset({500, 502, 503, 504})


class NetworkWatch:
    """Whether Telegram answers, told to the log only when that changes."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.down_since: float | None = None
        self._on_back: list[Callable[[], None]] = []

    @property
    def is_down(self) -> bool:
        return self.down_since is not None

    def on_back(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` when Telegram answers again (the outbox resumes at once)."""
        self._on_back.append(callback)

    def failed(self, reason: str) -> None:
        if self.down_since is None:
            self.down_since = self._clock()
            log.warning("Telegram is unreachable (%s); retrying quietly until it answers", reason)

    def succeeded(self) -> None:
        if self.down_since is None:
            return
        seconds = self._clock() - self.down_since
        self.down_since = None
        log.warning("Telegram is reachable again after %.0f s", seconds)
        for callback in self._on_back:
            try:
                callback()
            except Exception:  # a listener must not break the request that succeeded
                log.exception("network-back listener failed")


class WatchedRequest(HTTPXRequest):
    """PTB's HTTPX request that reports each outcome to the watch."""

    def __init__(self, watch: NetworkWatch, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.watch = watch

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        write_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        connect_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        pool_timeout: Any = HTTPXRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        try:
            code, payload = await super().do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout,
                pool_timeout,
            )  # fmt: skip
        except TimedOut as exc:
            if "Pool timeout" not in str(exc):  # our own pool was busy: not the network
                self.watch.failed("timed out")
            raise
        except NetworkError as exc:
            self.watch.failed(type(exc.__cause__ or exc).__name__)
            raise
        if code in _UNREACHABLE:
            self.watch.failed(f"HTTP {code}")
            if not payload.lstrip().startswith(b"{"):
                # A proxy's HTML error page: PTB would log an ERROR per retry for not
                # being able to read it. Say it the way Telegram says a 5xx.
                payload = json.dumps(
                    {"ok": False, "error_code": code, "description": "Bad Gateway"}
                ).encode()
        else:
            self.watch.succeeded()
        return code, payload


def requests(proxy: str | None, watch: NetworkWatch) -> tuple[WatchedRequest, WatchedRequest]:
    """(for sends, for getUpdates), both through ``proxy``. getUpdates gets two connections:
    on stop PTB calls it once more to confirm what it fetched, and the cancelled long poll
    can still hold the only one (an ERROR in the log, and the next start could fetch those
    updates again)."""
    return (
        WatchedRequest(watch, connection_pool_size=256, proxy=proxy),
        WatchedRequest(watch, connection_pool_size=2, proxy=proxy),
    )
