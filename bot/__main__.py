"""``python -m bot``: read settings, build, poll until SIGINT/SIGTERM."""

from __future__ import annotations

import logging
import sys

from telegram import Update

from bot.app import build_application
from bot.config import ConfigError, load_settings
from bot.logs import setup_logging
from storage.db import SchemaTooNewError

log = logging.getLogger("bot")


def main() -> int:
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
