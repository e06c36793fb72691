"""The fake Bot API server and helpers to run the real bot against it."""

from tests.fakebot.server import BOT_USERNAME, TOKEN, FakeTelegram, TgUser, buttons, message_text

__all__ = ["BOT_USERNAME", "TOKEN", "FakeTelegram", "TgUser", "buttons", "message_text"]
