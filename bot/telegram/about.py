"""What the bot's own direct replies are about (「✅ 报修单 #12 已提交」, 「已受理报修单 #12」,
the /repair 12 card): remembered per chat when they are sent, so a reply to one is
understood by stored reference, never by reading the bot's text back. Notifications are
remembered by the outbox instead (``bot.services.notifications``).

Kept in ``chat_data`` (persisted as JSON with the conversation), the last ``KEEP`` per chat.
"""

from __future__ import annotations

from typing import Any

from telegram import Message

from bot.protocol import Ref

KEY = "about"  # chat_data key: {message id (str): Ref as text}
KEEP = 200


def remember(chat_data: dict[Any, Any] | None, sent: Message | None, ref: Ref) -> None:
    if chat_data is None or sent is None:
        return
    about = chat_data.get(KEY)
    if not isinstance(about, dict):
        about = chat_data[KEY] = {}
    about[str(sent.message_id)] = str(ref)
    while len(about) > KEEP:
        del about[next(iter(about))]  # dicts keep insertion order: the oldest goes


def recall(chat_data: dict[Any, Any] | None, message_id: int) -> Ref | None:
    about = chat_data.get(KEY) if chat_data is not None else None
    return Ref.parse(about.get(str(message_id))) if isinstance(about, dict) else None
