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
    setup_logging(settings.log_level, settings.token)
    app = build_application(settings)
    try:
        # run_polling installs SIGINT/SIGTERM handlers and stops cleanly (post_shutdown
        # closes the database, so no aiosqlite thread keeps the process alive).
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
