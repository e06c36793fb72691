"""The purchaser's draft at the market: lines typed in any order, fixes (删 2, 改 3 ...),
receipt and certificate photos, then 提交 or 取消."""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ConversationHandler,
    filters,
)

from bot import callbacks, router
from bot.callbacks import PurchaseDraftAction
from bot.context import BotContext
from bot.domain.errors import DomainError
from bot.domain.messages import Photo
from bot.domain.people import Person
from bot.domain.purchases import (
    PhotoKind,
    Purchase,
    certificate_line,
    normalise,
)
from bot.domain.roles import Role
from bot.protocol import Ref
from bot.services import notifications
from bot.services import purchases as service
from bot.services.purchases import DraftResult
from bot.telegram import media
from bot.telegram.keyboards import markup
from bot.telegram.state import UserState
from bot.texts import common as common_texts
from bot.texts import purchases as t
from handlers import replies
from handlers.common import answer, current_person, message_kind, requires, say, say_error
from handlers.everyday import on_everyday
from handlers.purchases import preview
from handlers.purchases.late import attach_to_line

log = logging.getLogger(__name__)


EDITING = 1  # the purchase_draft conversation: lines, fixes and photos go to the open draft
REASON = 1  # the purchase_reject conversation: the next text is the reason
END = ConversationHandler.END


CONFIRM_WORDS = {"确认", "ok", "okay", "同意", "确定", "好", "可以", "无误", "确认无误"}
_CERT_WORDS = ("证", "检疫", "检验", "合格")
_RECEIPT_WORDS = ("票", "收据", "单据", "收条", "账单")


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


def _kind_from_caption(caption: str | None) -> PhotoKind | None:
    text = normalise(caption or "")
    if any(w in text for w in _CERT_WORDS):
        return PhotoKind.CERTIFICATE
    if any(w in text for w in _RECEIPT_WORDS):
        return PhotoKind.RECEIPT
    return None


def _forget_draft_messages(context: BotContext) -> None:
    """The draft is over: its preview, waiting photos and album kind go with it."""
    preview.forget(context)
    if context.user_data is not None:
        context.user_data.purchase_photos = {}
        context.user_data.purchase_album = None


def _pending_photos(context: BotContext) -> dict[str, Any]:
    """Photos waiting for "票据 or 合格证?", by a token in the question's buttons (the id of
    the first photo), so that each question attaches its own photos."""
    if context.user_data is None:
        return {}
    pending = context.user_data.purchase_photos
    if "file_id" in pending:  # the old shape
        pending = context.user_data.purchase_photos = {}
    return pending


@requires(Role.PURCHASER)
async def on_draft_photo(update: Update, context: BotContext, person: Person) -> int:
    message = update.effective_message
    assert message is not None
    draft_id = await _draft_id(context, person)
    intent = router.route(
        router.Incoming(
            message_kind(message),
            message.caption or "",
            person.roles,
            open_drafts=(Ref.purchase(draft_id),) if draft_id is not None else (),
        )
    )
    if not isinstance(intent, router.AttachToPurchase):
        await say(update, t.NO_DRAFT)
        return END
    purchase_id = intent.purchase_id
    photo = await media.receive_image(update, context)
    group = message.media_group_id
    kind = _kind_from_caption(message.caption)
    album = context.user_data.purchase_album if context.user_data is not None else None
    if kind is None and group and isinstance(album, dict) and album.get("group") == group:
        kind = PhotoKind(album["kind"])  # an album's caption sits on its first photo only
    if kind is not None:
        if group and context.user_data is not None:
            context.user_data.purchase_album = {"group": group, "kind": kind.value}
        await _attach(update, context, person, purchase_id, kind, [photo], message.caption or "")
        return EDITING
    stored = {"file_id": photo.file_id, "path": photo.path}
    pending = _pending_photos(context)
    for entry in pending.values():
        if group and entry.get("group") == group and entry.get("purchase_id") == purchase_id:
            entry["photos"].append(stored)  # one question for the whole album
            return EDITING
    token = str(message.message_id)
    pending[token] = {"purchase_id": purchase_id, "group": group, "photos": [stored]}
    receipt, cert = t.PHOTO_KIND_BUTTONS
    draft = await service.draft(context.services, person, purchase_id)
    older = preview.older_draft_note(context, draft.created_at)
    question = f"{t.ASK_PHOTO_KIND}\n{older}" if older else t.ASK_PHOTO_KIND
    await say(update, question, [[
        (receipt, callbacks.button(PurchaseDraftAction.PHOTO_KIND, "rc", purchase_id, token)),
        (cert, callbacks.button(PurchaseDraftAction.PHOTO_KIND, "ct", purchase_id, token)),
    ]])  # fmt: skip
    return EDITING


async def _attach(
    update: Update, context: BotContext, person: Person, purchase_id: int, kind: PhotoKind,
    photos: list[Photo], caption: str = "",
) -> None:  # fmt: skip
    item: str | None = None
    if kind is PhotoKind.CERTIFICATE:
        draft = await service.draft(context.services, person, purchase_id)
        missing = draft.missing_certificates(context.services.settings.certificate_items)
        item = certificate_line(caption, missing)
        if item is None and missing:  # several lines miss one: which is it for?
            await _ask_certificate_line(update, context, draft, photos)
            return
    purchase = None
    for photo in photos:
        purchase = await service.attach_photo(
            context.services, person, purchase_id, kind, photo, item
        )
    if purchase is not None:
        note = t.photos_attached(kind, len(photos))
        await preview.show(update, context, DraftResult(purchase), note)


@requires(Role.PURCHASER)
async def on_draft_button(update: Update, context: BotContext, person: Person) -> int | None:
    query = update.callback_query
    data = callbacks.decode(query.data if query is not None else None)
    if data is None:
        await answer(update, common_texts.STALE_BUTTON)
        return None
    action = data.action_of(PurchaseDraftAction)
    if action is PurchaseDraftAction.PHOTO_KIND:
        return await _photo_kind_button(update, context, person, data)
    if action is PurchaseDraftAction.CERT_LINE:
        return await _certificate_line_button(update, context, person, data)
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


async def _ask_certificate_line(
    update: Update, context: BotContext, draft: Purchase, photos: list[Photo]
) -> None:
    """Buttons for the lines still missing a certificate; the photos wait by a token."""
    message = update.effective_message
    token = str(message.message_id if message is not None else len(_pending_photos(context)))
    _pending_photos(context)[token] = {
        "purchase_id": draft.id,
        "group": None,
        "photos": [{"file_id": p.file_id, "path": p.path} for p in photos],
    }
    missing = draft.missing_certificates(context.services.settings.certificate_items)
    rows = [
        [(f"{number}. {line.item}", callbacks.button(
            PurchaseDraftAction.CERT_LINE, draft.id, token, number))]
        for number, line in enumerate(draft.lines, start=1)
        if line.item in missing
    ]  # fmt: skip
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, t.ASK_CERTIFICATE_LINE, reply_markup=markup(rows))


async def _certificate_line_button(
    update: Update, context: BotContext, person: Person, data: callbacks.Callback
) -> int | None:
    purchase_id, number = data.int_arg(0), data.int_arg(2)
    token = data.args[1] if len(data.args) > 1 else ""
    entry = _pending_photos(context).get(token)
    if (
        purchase_id is None
        or number is None
        or not isinstance(entry, dict)
        or entry.get("purchase_id") != purchase_id
    ):
        await answer(update, t.PHOTO_GONE)
        return None
    query = update.callback_query
    if entry.get("late"):  # a purchase already submitted: no draft conversation
        told = await attach_to_line(context, person, purchase_id, entry, number)
        _pending_photos(context).pop(token, None)
        await answer(update)
        if query is not None and told is not None:
            with contextlib.suppress(BadRequest):
                await query.edit_message_text(told)
        return END
    draft = await service.draft(context.services, person, purchase_id)
    if not 1 <= number <= len(draft.lines):
        await answer(update, t.PHOTO_GONE)
        return None
    item = draft.lines[number - 1].item
    purchase = None
    for p in entry["photos"]:
        photo = Photo(p.get("file_id"), p.get("path"))
        purchase = await service.attach_photo(
            context.services, person, purchase_id, PhotoKind.CERTIFICATE, photo, item
        )
    _pending_photos(context).pop(token, None)
    await answer(update)
    if query is not None:
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(t.certificate_for(item))
    if purchase is not None:
        await preview.show(update, context, DraftResult(purchase))
    return EDITING


async def _photo_kind_button(
    update: Update, context: BotContext, person: Person, data: callbacks.Callback
) -> int | None:
    purchase_id = data.int_arg(1)
    token = data.args[2] if len(data.args) > 2 else ""
    entry = _pending_photos(context).get(token)
    if not isinstance(entry, dict) or entry.get("purchase_id") != purchase_id:
        await answer(update, t.PHOTO_GONE)
        return None
    kind = PhotoKind.CERTIFICATE if data.args[0] == "ct" else PhotoKind.RECEIPT
    assert purchase_id is not None
    photos = [Photo(p.get("file_id"), p.get("path")) for p in entry["photos"]]
    await _attach(update, context, person, purchase_id, kind, photos)
    _pending_photos(context).pop(token, None)
    await answer(update)
    query = update.callback_query
    if query is not None:
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(t.photo_kind_chosen(kind, len(photos)))
    return EDITING


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
