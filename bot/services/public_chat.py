"""Where the public postings go: the group an admin chose with /setpublic, else
BOT_PUBLIC_CHAT_ID (the initial default)."""

from __future__ import annotations

from bot.services.container import Services
from storage import settings as kv


async def public_chat_id(svc: Services) -> int | None:
    stored = await kv.get(svc.db, kv.PUBLIC_CHAT)
    if stored is not None:
        try:
            return int(stored)
        except ValueError:  # a hand-edited value: fall back to the setting
            pass
    return svc.settings.public_chat_id
