"""The purchaser's draft at the market: lines typed in any order, fixes (删 2, 改 3 ...),
then 提交 or 取消 (its photos: ``handlers.purchases.photos``)."""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    filters,
)

from bot import callbacks, router
from bot.callbacks import PurchaseDraftAction
from bot.context import BotContext
from bot.domain.errors import DomainError
from bot.domain.people import Person
from bot.domain.roles import Role
from bot.protocol import Ref
from bot.services import notifications
from bot.services import purchases as service
from bot.telegram.state import UserState
from bot.texts import common as common_texts
from bot.texts import purchases as t
from handlers import replies
from handlers.common import answer, current_person, requires, say, say_error
from handlers.everyday import on_everyday
from handlers.purchases import photos, preview
from handlers.purchases.states import EDITING, END

log = logging.getLogger(__name__)


def command_args(update: Update) -> str:
    """The text after ``/purchase`` (same line or following lines)."""
    message = update.effective_message
    text = message.text or "" if message is not None else ""
    return re.sub(r"^/\w+(@\w+)?", "", text, count=1).strip()


@requires(Role.PURCHASER)
async def on_purchase(update: Update, context: BotContext, person: Person) -> int:
    text = command_args(update)
    result = await service.start_draft(context.services, person, text)
    if not text and not result.purchase.lines:
        await say(update, t.ASK_LINES)
        return EDITING
    await preview.show(update, context, result, move_down=True)
    return EDITING


class PastedLines(filters.MessageFilter):
    """Text that reads as purchase lines, sent while nothing else waits for the sender's
    text (a repair prompt, the guided report): perhaps a purchaser without /purchase."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        super().__init__(name="pasted_purchase_lines")
        self._app = app

    def filter(self, message: Message) -> bool:
        user = message.from_user
        state = self._app.user_data.get(user.id) if user is not None else None
        if isinstance(state, UserState) and (state.repair_pending or state.repair_guided):
            return False
        return bool(message.text) and router.looks_like_purchase_lines(message.text or "")


async def on_pasted_lines(update: Update, context: BotContext) -> int | None:
    """Purchase lines without /purchase: the draft preview, as if /purchase came first
    (someone else, or a purchaser with a draft open, is answered as usual)."""
    message = update.effective_message
    person = await current_person(update, context)
    if message is None or person is None:
        return END
    if await _draft_id(context, person) is not None:
        return await on_draft_text(update, context)
    intent = router.route(router.Incoming(router.Kind.TEXT, message.text or "", person.roles))
    if not isinstance(intent, router.StartPurchaseDraft):
        await on_everyday(update, context)
        return END
    result = await service.start_draft(context.services, person, intent.text)
    await preview.show(update, context, result, move_down=True)
    return EDITING


async def _draft_id(context: BotContext, person: Person) -> int | None:
    """The person's open draft (at most one), wherever the conversation state says."""
    return await service.open_draft(context.services, person)


async def on_draft_text(update: Update, context: BotContext) -> int | None:
    message = update.effective_message
    if message is None or not message.text:
        return None
    replied = message.reply_to_message
    ref = (
        await notifications.ref_of(context.services, message.chat_id, replied.message_id)
        if replied is not None
        else None
    )
    person = await current_person(update, context)
    draft_id = await _draft_id(context, person) if person is not None else None
    intent = router.route(
        router.Incoming(
            router.Kind.TEXT,
            message.text,
            person.roles if person is not None else frozenset(),
            replied_to=ref,
            replies_to_a_message=replied is not None,
            open_drafts=(Ref.purchase(draft_id),) if draft_id is not None else (),
        )
    )
    # A reply to a notification (a purchaser who is also a supervisor) is not a purchase line.
    if ref is not None and not isinstance(intent, router.EditPurchaseDraft):
        await replies.on_reply(update, context)
        return None
    state: int | None = await _edit_draft(update, context)  # or says there is no draft
    return state


@requires(Role.PURCHASER)
async def _edit_draft(update: Update, context: BotContext, person: Person) -> int:
    purchase_id = await _draft_id(context, person)
    message = update.effective_message
    if purchase_id is None or message is None:
        await say(update, t.NO_DRAFT)
        return END
    if router.is_submit(message.text or ""):  # 「提交」 typed instead of tapped
        return await _submit_typed(update, context, person, purchase_id)
    try:
        result = await service.edit_draft(context.services, person, purchase_id, message.text or "")
    except DomainError as err:
        await say_error(update, err)
        still_open = await service.open_draft(context.services, person) == purchase_id
        return EDITING if still_open else END
    await preview.show(update, context, result)
    return EDITING


async def _submit_typed(
    update: Update, context: BotContext, person: Person, purchase_id: int
) -> int:
    try:
        await service.submit(context.services, person, purchase_id)
    except DomainError as err:  # nothing in it yet, say
        await say_error(update, err)
        return EDITING
    # 「已提交」 is in the outbox, as after the button; the preview's buttons are done.
    await preview.take_buttons_off(update, context)
    _forget_draft_messages(context)
    return END


def _forget_draft_messages(context: BotContext) -> None:
    """The draft is over: its preview, waiting photos and album kind go with it."""
    preview.forget(context)
    if context.user_data is not None:
        context.user_data.purchase_photos = {}
        context.user_data.purchase_album = None


@requires(Role.PURCHASER)
async def on_draft_button(update: Update, context: BotContext, person: Person) -> int | None:
    query = update.callback_query
    data = callbacks.decode(query.data if query is not None else None)
    if data is None:
        await answer(update, common_texts.STALE_BUTTON)
        return None
    action = data.action_of(PurchaseDraftAction)
    if action is PurchaseDraftAction.PHOTO_KIND:
        return await photos.on_photo_kind_button(update, context, person, data)
    if action is PurchaseDraftAction.CERT_LINE:
        return await photos.on_certificate_line_button(update, context, person, data)
    if action is PurchaseDraftAction.REOPEN:
        return await _reopen_button(update, context, person, data)
    purchase_id = data.int_arg(0)
    if purchase_id is None or action is None:
        await answer(update, common_texts.STALE_BUTTON)
        return None
    if action is PurchaseDraftAction.CANCEL:
        await service.cancel_draft(context.services, person, purchase_id)
        await answer(update, t.CANCELLED)
        await _finish_preview(update, context, t.CANCELLED)
    else:
        await service.submit(context.services, person, purchase_id)
        await answer(update)
        # 「已提交」 is in the outbox, remembered with the purchase: a photo in reply joins it.
        await _finish_preview(update, context, None)
    _forget_draft_messages(context)
    return END


async def _reopen_button(
    update: Update, context: BotContext, person: Person, data: callbacks.Callback
) -> int | None:
    """修改后重新提交 on a rejection: the purchase comes back as a draft, preview below."""
    purchase_id = data.int_arg(0)
    if purchase_id is None:
        await answer(update, common_texts.STALE_BUTTON)
        return None
    try:
        result = await service.reopen(context.services, person, purchase_id)
    except DomainError as err:
        await say_error(update, err)
        return None
    await answer(update)
    query = update.callback_query
    if query is not None:
        with contextlib.suppress(BadRequest):  # the rejection stays; its button has done its job
            await query.edit_message_reply_markup(reply_markup=None)
    await preview.show(update, context, result, move_down=True)
    return EDITING


async def _finish_preview(update: Update, context: BotContext, outcome: str | None) -> None:
    """Take the buttons off the tapped preview and say what happened under it."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=None)
    if outcome is not None:
        await context.bot.send_message(query.message.chat.id, outcome)


async def on_draft_cancel(update: Update, context: BotContext) -> int:
    person = await current_person(update, context)
    purchase_id = await _draft_id(context, person) if person is not None else None
    if person is not None and purchase_id is not None:
        with contextlib.suppress(DomainError):  # already submitted elsewhere: nothing to cancel
            await service.cancel_draft(context.services, person, purchase_id)
        await preview.take_buttons_off(update, context)
        await say(update, t.CANCELLED)
    else:
        await say(update, common_texts.NOTHING_TO_CANCEL)
    _forget_draft_messages(context)
    return END
