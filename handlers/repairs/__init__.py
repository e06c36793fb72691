"""Repairs (报修) in Telegram: the fast path (photo + caption), the guided ``/repair``
conversation, the buttons on notifications, replies to notifications, ``/repairs`` and
``/repair <id>``. Thin: every decision is in ``bot.services.repairs``.

Short follow-up inputs (a reject reason, an after-photo, a caption for a photo sent
without one) are remembered in ``user_data.repair_pending`` and caught by a filter that
only matches while that person owes us such an input, so nobody else's texts are taken.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks, router
from bot.callbacks import Ns, RepairAction
from handlers.common import cancel_handlers
from handlers.repairs.guided import guided_conversation
from handlers.repairs.lookup import on_list
from handlers.repairs.report import (
    on_maybe_button,
    on_offer_button,
    on_pending_cancel,
    on_pending_input,
    on_photo,
    resume_albums,
)
from handlers.repairs.shared import IMAGE_FILES, owes_input
from handlers.repairs.steps import on_button, on_reply
from handlers.replies import route


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Order matters: a follow-up input someone owes us comes first; then the guided
    conversation; then photos with captions; then buttons."""
    private = filters.ChatType.PRIVATE
    owes_text = owes_input(app, images=False)
    owes_image = owes_input(app, images=True)
    for handler in cancel_handlers(on_pending_cancel, private & owes_text):
        app.add_handler(handler)
    app.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND & owes_text, on_pending_input)
    )
    app.add_handler(MessageHandler(private & IMAGE_FILES & owes_image, on_pending_input))
    app.add_handler(guided_conversation())
    app.add_handler(CommandHandler("repairs", on_list, filters=private))
    # A picture nobody else is waiting for is a repair report. Registered after the flows
    # that take pictures (purchase drafts, patrol prompts), see bot/app.py.
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & IMAGE_FILES, on_photo))
    maybe = callbacks.action_pattern(RepairAction.MAYBE_YES, RepairAction.MAYBE_NO)
    app.add_handler(CallbackQueryHandler(on_maybe_button, pattern=maybe))
    offer = callbacks.action_pattern(
        RepairAction.OFFER_SUBMIT, RepairAction.OFFER_PHOTO, RepairAction.OFFER_CANCEL
    )
    app.add_handler(CallbackQueryHandler(on_offer_button, pattern=offer))
    app.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(Ns.REPAIR)))
    route(router.ReplyToRepair, on_reply)


__all__ = ["register", "resume_albums"]
