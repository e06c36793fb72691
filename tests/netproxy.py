"""A small HTTP forward proxy on 127.0.0.1 that counts what it forwards, and whose "line to
Telegram" a test can cut (it then answers 502 Bad Gateway, as a proxy does when the far side
is unreachable). Plain asyncio streams for the client side, aiohttp for the far side.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohttp import ClientSession

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization",
               "transfer-encoding", "te", "upgrade", "host", "content-length"}  # fmt: skip


class CountingProxy:
    def __init__(self, *, credentials: str | None = None) -> None:
        self.forwarded: Counter[str] = Counter()  # Bot API method -> requests forwarded
        self.refused: Counter[str] = Counter()  # method -> answered 502 while the line was cut
        self.unauthorised = 0
        self.down = False
        self.credentials = credentials  # "user:pass" demanded with Proxy-Authorization
        self._server: asyncio.Server | None = None
        self._session: ClientSession | None = None
        self.url = ""
        self._seen = asyncio.Condition()  # notified after every request it answers

    async def wait_until(self, predicate: Callable[[], object], timeout: float = 30) -> None:
        """Wait for a condition on the counters (the fake Telegram sees nothing while the
        line is cut, so its own wait_for would not wake up)."""
        async with self._seen:
            await asyncio.wait_for(self._seen.wait_for(predicate), timeout)

    async def start(self) -> str:
        self._session = ClientSession()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
        if self._session is not None:
            await self._session.close()

    @property
    def total(self) -> int:
        return sum(self.forwarded.values())

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._one(reader, writer):
                async with self._seen:
                    self._seen.notify_all()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        request_line = await reader.readline()
        if not request_line:
            return False
        method, url, _ = request_line.decode().split(" ", 2)
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        if self.credentials is not None:
            expected = "Basic " + base64.b64encode(self.credentials.encode()).decode()
            if headers.get("proxy-authorization") != expected:
                self.unauthorised += 1
                await _respond(writer, 407, b"", {"Proxy-Authenticate": "Basic"})
                return True
        method_name = urlsplit(url).path.rsplit("/", 1)[-1]
        if self.down:
            self.refused[method_name] += 1
            await _respond(writer, 502, b"<html>502 Bad Gateway</html>", {})
            return True
        self.forwarded[method_name] += 1
        assert self._session is not None
        forward = {k: v for k, v in headers.items() if k not in _HOP_BY_HOP}
        async with self._session.request(method, url, headers=forward, data=body) as upstream:
            payload = await upstream.read()
            content_type = upstream.headers.get("Content-Type", "application/octet-stream")
            await _respond(writer, upstream.status, payload, {"Content-Type": content_type})
        return True


async def _respond(
    writer: asyncio.StreamWriter, status: int, body: bytes, headers: dict[str, str]
) -> None:
    lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    await writer.drain()
