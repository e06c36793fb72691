"""Mainland networks: every Bot API call through BOT_PROXY, webhook mode with its secret,
and an outage that is logged once and leaves nothing unsent or sent twice."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp import ClientSession

from bot.app import App, build_application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.domain.messages import OutMessage
from bot.domain.roles import Role
from storage import outbox
from tests.conftest import Cast
from tests.fakebot import TOKEN, FakeTelegram, TgUser
from tests.fakebot.running import register, services
from tests.netproxy import CountingProxy

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
async def proxy() -> AsyncIterator[CountingProxy]:
    counting = CountingProxy()
    await counting.start()
    try:
        yield counting
    finally:
        await counting.stop()


def _env(tg: FakeTelegram, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(BOT_TOKEN=TOKEN, BOT_API_SERVER=tg.url, BOT_DATA_DIR=str(tmp_path / "data"),
               BOT_LOG_LEVEL="DEBUG", PYTHONPATH=str(ROOT), **extra)  # fmt: skip
    return env


@asynccontextmanager
async def bot_process(env: dict[str, str], cwd: Path) -> AsyncIterator[list[str]]:
    """``python -m bot`` for real; yields its log once it has stopped (SIGTERM)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    log: list[str] = []
    assert proc.stdout is not None
    # Read as it comes: a DEBUG log filling the pipe would block the bot.
    output = asyncio.create_task(proc.stdout.read())
    try:
        yield log
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), timeout=15)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        log.append((await output).decode())


async def test_every_bot_api_call_goes_through_the_proxy_and_its_password_stays_secret(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    proxy = CountingProxy(credentials="houqin:pr0xy-Pa55")
    await proxy.start()
    proxied = proxy.url.replace("http://", "http://houqin:pr0xy-Pa55@")
    try:
        async with bot_process(_env(tg, tmp_path, BOT_PROXY=proxied), tmp_path) as log:
            await tg.wait_for(lambda: tg.calls_of("setMyCommands"), timeout=30)
            stranger = TgUser(4242, "路人")
            await tg.send_text(stranger, "你好")
            assert "邀请" in (await tg.message(stranger.id, timeout=15))["text"]
            # Long polling too: the update above was fetched through the proxy.
            assert proxy.forwarded["getUpdates"] >= 1
    finally:
        await proxy.stop()
    everything_else = {m: n for m, n in proxy.forwarded.items() if m != "getUpdates"}
    assert sum(everything_else.values()) == len(tg.calls)  # every call the fake saw
    assert proxy.unauthorised == 0
    assert "pr0xy-Pa55" not in log[0] and TOKEN not in log[0]
    assert "getUpdates" in log[0]  # the debug log really ran


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _until_listening(port: int) -> None:
    """PTB may tell Telegram the URL a moment before its server accepts connections."""
    for _ in range(100):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    raise AssertionError(f"nothing listens on {port}")


async def test_webhook_refuses_requests_without_the_secret_and_answers_with_it(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    port = _free_port()
    secret = "s3cret-Token_for-houqin"
    env = _env(tg, tmp_path, BOT_WEBHOOK_URL="https://bot.example.edu.cn/houqin",
               BOT_WEBHOOK_SECRET=secret, BOT_WEBHOOK_LISTEN=f"127.0.0.1:{port}")  # fmt: skip
    stranger = TgUser(4343, "路人乙")
    update = {
        "update_id": 1,
        "message": {"message_id": 1, "date": 0, "text": "你好", "from": stranger.to_dict(),
                    "chat": {"id": stranger.id, "type": "private", "first_name": "路人乙"}},
    }  # fmt: skip
    url = f"http://127.0.0.1:{port}/houqin"
    async with bot_process(env, tmp_path) as log, ClientSession() as http:
        hooked = await tg.wait_for(lambda: tg.calls_of("setWebhook"), timeout=30)
        assert hooked[0].params["url"] == "https://bot.example.edu.cn/houqin"
        assert hooked[0].params["secret_token"] == secret
        await _until_listening(port)
        statuses = []
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
            async with http.post(url, data=json.dumps(update), headers={
                    "Content-Type": "application/json", **headers}) as response:  # fmt: skip
                statuses.append(response.status)
        assert statuses == [403, 403]
        assert not tg.sent  # nothing of the forged updates was handled
        async with http.post(url, data=json.dumps(update), headers={
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": secret}) as response:  # fmt: skip
            assert response.status == 200
        assert "邀请" in (await tg.message(stranger.id, timeout=15))["text"]
        assert not tg.calls_of("getUpdates")  # webhook mode does not poll
    assert secret not in log[0] and TOKEN not in log[0]


@asynccontextmanager
async def polling_like_run_polling(settings: Settings, clock: FrozenClock) -> AsyncIterator[App]:
    """The bot started as ``run_polling`` starts it, with its error callback (which hands
    polling errors to the error handler), so the log is what production writes."""
    app = build_application(settings, clock=clock)
    await app.initialize()
    assert app.post_init is not None and app.updater is not None
    await app.post_init(app)
    await app.updater.start_polling(
        poll_interval=0,
        timeout=1,
        error_callback=lambda exc: app.create_task(app.process_error(update=None, error=exc)),
    )
    await app.start()
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


async def test_network_outage_is_logged_once_and_everything_goes_out_in_order_afterwards(
    tg: FakeTelegram,
    proxy: CountingProxy,
    settings: Settings,
    clock: FrozenClock,
    people: Cast,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    async with polling_like_run_polling(replace(settings, proxy=proxy.url), clock) as app:
        svc = services(app)
        await register(svc, people.supervisor, Role.SUPERVISOR)
        await register(svc, people.teacher, Role.STAFF)
        proxy.down = True  # the line to Telegram is cut
        # Once a poll has been refused, none is in flight: what users send now waits.
        await proxy.wait_until(lambda: proxy.refused["getUpdates"])
        texts = [f"🛠 新报修 #{n}" for n in (1, 2, 3)]
        async with svc.db.transaction() as tx:  # saved just as the network went down
            for text in texts:
                await outbox.enqueue(tx, people.supervisor.id, OutMessage(text), ref=None,
                                     now=svc.now())  # fmt: skip
        svc.kick_outbox()
        await tg.send_text(people.teacher, "/help")  # waits at Telegram during the outage
        # Several polls and an outbox attempt fail (PTB backs off 1 s, 1.5 s, 2.25 s ...).
        await proxy.wait_until(
            lambda: proxy.refused["getUpdates"] >= 3 and proxy.refused["sendMessage"]
        )
        failed_rows = await svc.db.fetchval("SELECT COUNT(*) FROM outbox WHERE attempts > 0")
        assert failed_rows == 1  # one row tried; the rest waited behind it, in order
        proxy.down = False
        await tg.message(people.teacher.id, "您可以", timeout=30)
        for text in texts:
            await tg.message(people.supervisor.id, text, timeout=15)
    sent = [m.get("text") for m in tg.sent if m["chat"]["id"] == people.supervisor.id]
    assert sent == texts  # in order, each exactly once
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    messages = [r.getMessage() for r in warnings]  # no ERROR, no line per retry
    assert len(messages) == 2, messages
    assert messages[0].startswith("Telegram is unreachable")
    assert messages[1].startswith("Telegram is reachable again")
