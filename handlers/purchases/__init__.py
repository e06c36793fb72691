"""Purchases in chat: the purchaser's draft at the market, the supervisor's 确认 / 驳回,
the day's list, the finance export and the 定点供应商 list. Thin: every rule lives in
``bot.services.purchases``."""

from __future__ import annotations

import re
import warnings
from typing import Any

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import callbacks, router
from bot.callbacks import Ns, PurchaseCheckAction
from handlers import replies
from handlers.common import SAYS_CANCEL, cancel_handlers
from handlers.purchases.check import (
    awaiting_reason,
    on_check_button,
    on_reject_abort,
    on_reject_button,
    on_reject_reason,
    on_reply,
)
from handlers.purchases.draft import (
    PastedLines,
    on_draft_button,
    on_draft_cancel,
    on_draft_text,
    on_pasted_lines,
    on_purchase,
)
from handlers.purchases.lists import on_export, on_purchases, on_suppliers
from handlers.purchases.photos import on_draft_photo
from handlers.purchases.states import EDITING, REASON


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add this feature's handlers (private chats only)."""
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND & ~SAYS_CANCEL  # 「取消」 cancels
    reject_pattern = callbacks.action_pattern(PurchaseCheckAction.REJECT, with_args=True)
    draft_button = CallbackQueryHandler(
        on_draft_button, pattern=callbacks.pattern(Ns.PURCHASE_DRAFT)
    )
    # Both conversations are keyed per user and chat, not per message: a button and the
    # text that follows belong to the same person's flow, so PTB's per_message warning
    # about CallbackQueryHandlers does not apply.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBUserWarning)
        # Note: order matters! The reject conversation comes first so that a supervisor
        # who also has a draft open gives the reason to the rejection, not to the draft.
        reject = ConversationHandler(
            entry_points=[CallbackQueryHandler(on_reject_button, pattern=reject_pattern)],
            states={REASON: [MessageHandler(text & awaiting_reason(app), on_reject_reason)]},
            fallbacks=cancel_handlers(on_reject_abort),
            name="purchase_reject", persistent=True, allow_reentry=True,
        )  # fmt: skip
        drafting = ConversationHandler(
            entry_points=[CommandHandler("purchase", on_purchase, filters=private), draft_button,
                          MessageHandler(text & ~filters.REPLY & PastedLines(app),
                                         on_pasted_lines)],
            states={EDITING: [
                MessageHandler(text, on_draft_text),
                MessageHandler(private & (filters.PHOTO | filters.Document.ALL), on_draft_photo),
                draft_button,
            ]},
            fallbacks=[*cancel_handlers(on_draft_cancel),
                       CommandHandler("purchase", on_purchase, filters=private)],
            name="purchase_draft", persistent=True, allow_reentry=True,
        )  # fmt: skip
    app.add_handler(reject)
    app.add_handler(drafting)
    app.add_handler(
        CallbackQueryHandler(
            on_check_button,
            pattern=callbacks.action_pattern(PurchaseCheckAction.CONFIRM, with_args=True),
        )
    )
    app.add_handler(CommandHandler("purchases", on_purchases, filters=private))
    export_filter = private & filters.Regex(
        re.compile(r"^/export(@\w+)?\s+(purchases?|采购)(?![a-z])", re.I)
    )
    app.add_handler(CommandHandler("export", on_export, filters=export_filter))
    app.add_handler(CommandHandler("suppliers", on_suppliers, filters=private))
    replies.route(router.DecidePurchase, on_reply)


__all__ = ["register"]
