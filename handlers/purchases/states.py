"""The purchase conversations' states, shared by the modules that return them."""

from __future__ import annotations

from telegram.ext import ConversationHandler

EDITING = 1  # the purchase_draft conversation: lines, fixes and photos go to the open draft
REASON = 1  # the purchase_reject conversation: the next text is the reason
END = ConversationHandler.END
