"""The test rig: the product's local Bot API server and helpers to run the real bot on it.

The server grew into ``bot/sandbox/botapi.py`` (the try-out runs on it too); it is still
importable as ``tests.fakebot.server`` so the tests keep their imports.
"""

import sys

from bot.sandbox import botapi as server
from bot.sandbox.botapi import BOT_USERNAME, TOKEN, FakeTelegram, TgUser, buttons, message_text

sys.modules[f"{__name__}.server"] = server

__all__ = ["BOT_USERNAME", "TOKEN", "FakeTelegram", "TgUser", "buttons", "message_text"]
