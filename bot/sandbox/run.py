"""``python -m bot`` without a token: the try-out.

One local server on 127.0.0.1 serves the Bot API and the web chat; the real Application
(``build_application``, its own database under ``BOT_DATA_DIR/sandbox/``) polls it exactly as
it polls Telegram. Stops cleanly on Ctrl-C / SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import signal
import sys
from datetime import timedelta

from telegram import Update

from bot.app import App, build_application
from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging
from bot.sandbox import cast
from bot.sandbox.botapi import LocalBotApi
from bot.sandbox.demo import seed_demo
from bot.sandbox.webchat import TryOutClock, WebChat
from bot.services.container import Services
from storage.db import Database, SchemaTooNewError

log = logging.getLogger("bot.sandbox")

# A well-formed token that only the local server accepts.
SANDBOX_TOKEN = "1000000001:local-try-out-not-a-telegram-token"
BOT_USERNAME = "houqin_local_bot"
NOTICE = (
    "这是本机试用，不连接 Telegram。要接入真正的机器人：在 @BotFather 创建机器人，"
    "把令牌设为 BOT_TOKEN 后再运行 make run（见 README）。"
)


class PortUnavailable(Exception):
    """BOT_SANDBOX_PORT is taken (or not ours to bind)."""


def try_out_settings() -> Settings:
    """The real settings (time zone, schedules, escalation…) with the try-out's token,
    people, public group and data folder."""
    base = load_settings({**os.environ, "BOT_TOKEN": SANDBOX_TOKEN})
    return dataclasses.replace(
        base,
        data_dir=base.data_dir / "sandbox",
        admin_ids=frozenset({cast.ADMIN.user_id}),
        public_chat_id=cast.PUBLIC_CHAT_ID,
    )


async def first_start(settings: Settings, *, demo: bool) -> bool:
    """Register the people (and the demo weeks) once; later starts find them and skip."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.db_path)
    await db.open()
    try:
        svc = Services(settings=settings, db=db)
        if not await cast.set_up_cast(svc):
            return False
        if demo:
            await seed_demo(settings, db)
        return True
    finally:
        await db.close()


async def serve(settings: Settings, *, demo: bool) -> None:
    # First of all: a Ctrl-C while the first start is being set up still stops cleanly
    # (the set-up finishes its transaction, then everything shuts down in order).
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    api = LocalBotApi(SANDBOX_TOKEN, keep_calls=False)
    api.bot_user["username"] = BOT_USERNAME
    clock = TryOutClock()
    api.now = lambda: clock.now().timestamp()
    chat = WebChat(api, settings.timezone, clock)
    try:
        url = await api.start(settings.sandbox_port, chat.web)
    except OSError as err:
        raise PortUnavailable(str(err)) from err
    try:
        if await first_start(settings, demo=demo):
            log.info("try-out set up in %s", settings.data_dir)
        app: App = build_application(dataclasses.replace(settings, api_server=url), clock=clock)
        chat.application = app
        await _run(app, url, stop)
    finally:
        await api.stop()


async def _run(app: App, url: str, stop: asyncio.Event) -> None:
    """What ``run_polling`` does, inside a loop that also serves the page."""
    await app.initialize()
    try:
        assert app.post_init is not None
        await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(
            allowed_updates=Update.ALL_TYPES, poll_interval=0, timeout=timedelta(seconds=10)
        )
        await app.start()
        print(f"后勤助手 试用版已启动：{url}", flush=True)
        print(NOTICE, flush=True)
        try:
            await stop.wait()
        finally:
            await app.updater.stop()
            await app.stop()
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot sandbox", description=NOTICE)
    parser.add_argument(
        "--demo",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="fill a new try-out with a few weeks of repairs, purchases, patrols and menus",
    )
    args = parser.parse_args(argv)
    try:
        settings = try_out_settings()
    except ConfigError as err:
        print(f"后勤助手: configuration error: {err}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, SANDBOX_TOKEN)
    try:
        asyncio.run(serve(settings, demo=args.demo))
    except SchemaTooNewError as err:
        print(f"后勤助手: {err}", file=sys.stderr)
        return 3
    except PortUnavailable as err:
        print(
            f"后勤助手: cannot serve the try-out on 127.0.0.1:{settings.sandbox_port} ({err}); "
            "set BOT_SANDBOX_PORT to a free port",
            file=sys.stderr,
        )
        return 2
    return 0
