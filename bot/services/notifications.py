"""What the bot's own messages were about: the outbox remembers the Ref of every
notification it sent, so a reply to one is understood by stored reference, never by reading
the bot's text back."""

from __future__ import annotations

from bot.protocol import Ref
from bot.services.container import Services
from storage import outbox


async def ref_of(svc: Services, chat_id: int, message_id: int) -> Ref | None:
    """The Ref of the notification ``message_id`` in ``chat_id``; None if it was not one
    (or is about something this version does not know)."""
    return Ref.parse(await outbox.ref_for_message(svc.db, chat_id, message_id))


async def is_notification(svc: Services, chat_id: int, message_id: int) -> bool:
    """True for any message the outbox sent with a ref, known kind or not."""
    return bool(await outbox.ref_for_message(svc.db, chat_id, message_id))
