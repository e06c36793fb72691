"""``python -m bot``: read settings, build, poll until SIGINT/SIGTERM.

Without BOT_TOKEN (or with ``python -m bot sandbox``) it starts the local try-out instead:
the same bot on a local Bot API server with a web chat (``bot/sandbox``).
"""

from __future__ import annotations

import logging
import sys

from telegram import Update

from bot import restore
from bot.app import build_application
from bot.config import ConfigError, load_settings, token_given
from bot.logs import setup_logging
from storage.db import DatabaseUnusableError, SchemaTooNewError

log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["restore"]:
        return restore.main(args[1:])
    if args[:1] == ["sandbox"] or not token_given():
        from bot.sandbox.run import main as try_out  # aiohttp and the page load only here

        return try_out(args[1:] if args[:1] == ["sandbox"] else args)
    try:
        settings = load_settings()
    except ConfigError as err:
        print(f"后勤助手: configuration error: {err}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, *settings.secrets)
    app = build_application(settings)
    try:
        # run_polling/run_webhook install SIGINT/SIGTERM handlers and stop cleanly
        # (post_shutdown closes the database, so no aiosqlite thread keeps the process alive).
        if settings.webhook_url:
            host, port = settings.webhook_listen
            # PTB refuses (403) every request without Telegram's secret-token header.
            app.run_webhook(
                listen=host,
                port=port,
                url_path=settings.webhook_path,
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
            )
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    except SchemaTooNewError as err:
        print(f"后勤助手: {err}", file=sys.stderr)
        return 3
    except DatabaseUnusableError as err:  # damaged, unreadable, or a read-only data dir
        print(f"后勤助手: {err}", file=sys.stderr)
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main())
