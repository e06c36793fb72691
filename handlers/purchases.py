"""Purchases in chat: the purchaser's draft at the market, the supervisor's 确认 / 驳回,
the day's list, the finance export and the 定点供应商 list. Thin: every rule lives in
``bot.services.purchases``."""

from __future__ import annotations

import contextlib
import logging
import re
import warnings
from datetime import date, datetime, timedelta
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest
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
from bot.callbacks import Ns, PurchaseCheckAction, PurchaseDraftAction
from bot.clock import from_db, to_db
from bot.context import BotContext, services_of
from bot.domain.errors import DomainError, ReasonRequired
from bot.domain.messages import Photo, split_text
from bot.domain.people import Person
from bot.domain.purchases import (
    PhotoKind,
    normalise,
    parse_day,
    parse_month,
    parse_supplier_args,
)
from bot.domain.roles import Role
from bot.services import files, notifications
from bot.services import purchases as service
from bot.services.purchases import DraftResult
from bot.telegram import media
from bot.telegram.keyboards import markup
from bot.texts import common as common_texts
from bot.texts import purchases as t
from handlers import replies
from handlers.common import answer, current_person, esc, requires, say, say_error

log = logging.getLogger(__name__)

EDITING = 1  # the purchase_draft conversation: lines, fixes and photos go to the open draft
REASON = 1  # the purchase_reject conversation: the next text is the reason
END = ConversationHandler.END

PREVIEW_KEY = "purchase_preview"  # message id of the last preview, to take its buttons off
PHOTO_KEY = "purchase_photos"  # photos waiting for "票据 or 合格证?" (see _pending_photos)
ALBUM_KEY = "purchase_album"  # the kind a captioned album photo gave its album
REJECT_KEY = "purchase_reject"  # {"id": purchase id, "at": when the reason was asked}
REJECT_TTL = timedelta(hours=1)

CONFIRM_WORDS = {"确认", "ok", "okay", "同意", "确定", "好", "可以", "无误", "确认无误"}
_CERT_WORDS = ("证", "检疫", "检验", "合格")
_RECEIPT_WORDS = ("票", "收据", "单据", "收条", "账单")


def _draft_buttons(purchase_id: int) -> list[list[tuple[str, str]]]:
    submit = callbacks.button(PurchaseDraftAction.SUBMIT, purchase_id)
    cancel = callbacks.button(PurchaseDraftAction.CANCEL, purchase_id)
    return [[(t.BUTTON_SUBMIT, submit), (t.BUTTON_CANCEL, cancel)]]


async def _drop_old_preview_buttons(update: Update, context: BotContext) -> None:
    """Only the newest preview carries live buttons."""
    old = context.user_data.get(PREVIEW_KEY) if context.user_data is not None else None
    chat = update.effective_chat
    if not isinstance(old, int) or chat is None:
        return
    with contextlib.suppress(BadRequest):  # already gone or not modified: nothing to take off
        await context.bot.edit_message_reply_markup(chat.id, old, reply_markup=None)


def _older_draft_note(context: BotContext, created_at: datetime) -> str | None:
    """A draft left open since an earlier day still takes every photo and line: say so, so
    a photo meant for something else (a repair) is not silently taken as a receipt."""
    svc = context.services
    day = created_at.astimezone(svc.settings.timezone).date()
    return t.older_draft(day) if day < svc.local_now().date() else None


async def _show_preview(
    update: Update, context: BotContext, result: DraftResult, prefix: str | None = None
) -> None:
    purchase = result.purchase
    old = _older_draft_note(context, purchase.created_at)
    note = " ".join(n for n in (old, prefix, result.note) if n) or None
    text = t.preview(purchase, result.bad, context.services.settings.certificate_items, note)
    await _drop_old_preview_buttons(update, context)
    message = update.effective_message
    if message is None:
        return
    chat_id = message.chat_id
    *first, last = split_text(text)  # sixty long lines do not fit in one message
    for part in first:
        await context.bot.send_message(chat_id, part)
    sent = await context.bot.send_message(
        chat_id, last, reply_markup=markup(_draft_buttons(purchase.id))
    )
    if context.user_data is not None:
        context.user_data[PREVIEW_KEY] = sent.message_id


def _command_args(update: Update) -> str:
    """The text after ``/purchase`` (same line or following lines)."""
    message = update.effective_message
    text = message.text or "" if message is not None else ""
    return re.sub(r"^/\w+(@\w+)?", "", text, count=1).strip()


@requires(Role.PURCHASER)
async def on_purchase(update: Update, context: BotContext, person: Person) -> int:
    text = _command_args(update)
    result = await service.start_draft(context.services, person, text)
    if not text and not result.purchase.lines:
        await say(update, t.ASK_LINES)
        return EDITING
    await _show_preview(update, context, result)
    return EDITING


async def _draft_id(context: BotContext, person: Person) -> int | None:
    """The person's open draft (at most one), wherever the conversation state says."""
    return await service.open_draft(context.services, person)


async def on_draft_text(update: Update, context: BotContext) -> int | None:
    message = update.effective_message
    if message is None or not message.text:
        return None
    # A reply to a notification (a purchaser who is also a supervisor) is not a purchase line.
    if message.reply_to_message is not None and await notifications.is_notification(
        context.services, message.chat_id, message.reply_to_message.message_id
    ):
        await replies.on_reply(update, context)
        return None
    state: int | None = await _edit_draft(update, context)
    return state


@requires(Role.PURCHASER)
async def _edit_draft(update: Update, context: BotContext, person: Person) -> int:
    purchase_id = await _draft_id(context, person)
    message = update.effective_message
    if purchase_id is None or message is None:
        await say(update, t.NO_DRAFT)
        return END
    try:
        result = await service.edit_draft(context.services, person, purchase_id, message.text or "")
    except DomainError as err:
        await say_error(update, err)
        still_open = await service.open_draft(context.services, person) == purchase_id
        return EDITING if still_open else END
    await _show_preview(update, context, result)
    return EDITING


def _kind_from_caption(caption: str | None) -> PhotoKind | None:
    text = normalise(caption or "")
    if any(w in text for w in _CERT_WORDS):
        return PhotoKind.CERTIFICATE
    if any(w in text for w in _RECEIPT_WORDS):
        return PhotoKind.RECEIPT
    return None


def _pending_photos(context: BotContext) -> dict[str, Any]:
    """Photos waiting for "票据 or 合格证?", by a token in the question's buttons (the id of
    the first photo), so that each question attaches its own photos."""
    if context.user_data is None:
        return {}
    pending = context.user_data.get(PHOTO_KEY)
    if not isinstance(pending, dict) or "file_id" in pending:  # none yet, or the old shape
        pending = context.user_data[PHOTO_KEY] = {}
    return pending


@requires(Role.PURCHASER)
async def on_draft_photo(update: Update, context: BotContext, person: Person) -> int:
    purchase_id = await _draft_id(context, person)
    if purchase_id is None:
        await say(update, t.NO_DRAFT)
        return END
    photo = await media.receive_image(update, context)
    message = update.effective_message
    assert message is not None
    group = message.media_group_id
    kind = _kind_from_caption(message.caption)
    album = context.user_data.get(ALBUM_KEY) if context.user_data is not None else None
    if kind is None and group and isinstance(album, dict) and album.get("group") == group:
        kind = PhotoKind(album["kind"])  # an album's caption sits on its first photo only
    if kind is not None:
        if group and context.user_data is not None:
            context.user_data[ALBUM_KEY] = {"group": group, "kind": kind.value}
        await _attach(update, context, person, purchase_id, kind, [photo])
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
    older = _older_draft_note(context, draft.created_at)
    question = f"{t.ASK_PHOTO_KIND}\n{older}" if older else t.ASK_PHOTO_KIND
    await say(update, question, [[
        (receipt, callbacks.button(PurchaseDraftAction.PHOTO_KIND, "rc", purchase_id, token)),
        (cert, callbacks.button(PurchaseDraftAction.PHOTO_KIND, "ct", purchase_id, token)),
    ]])  # fmt: skip
    return EDITING


async def _attach(
    update: Update, context: BotContext, person: Person, purchase_id: int, kind: PhotoKind,
    photos: list[Photo],
) -> None:  # fmt: skip
    purchase = None
    for photo in photos:
        purchase = await service.attach_photo(context.services, person, purchase_id, kind, photo)
    if purchase is not None:
        note = t.photos_attached(kind, len(photos))
        await _show_preview(update, context, DraftResult(purchase), note)


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
    purchase_id = data.int_arg(0)
    if purchase_id is None or action is None:
        await answer(update, common_texts.STALE_BUTTON)
        return None
    if action is PurchaseDraftAction.CANCEL:
        await service.cancel_draft(context.services, person, purchase_id)
        await answer(update, t.CANCELLED)
        await _finish_preview(update, context, t.CANCELLED)
    else:
        result = await service.submit(context.services, person, purchase_id)
        await answer(update)
        await _finish_preview(update, context, t.submitted(result.purchase, result.notified))
    if context.user_data is not None:
        for key in (PREVIEW_KEY, PHOTO_KEY, ALBUM_KEY):
            context.user_data.pop(key, None)
    return END


async def _finish_preview(update: Update, context: BotContext, outcome: str) -> None:
    """Take the buttons off the tapped preview and say what happened under it."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=None)
    await context.bot.send_message(query.message.chat.id, outcome)


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
        await _drop_old_preview_buttons(update, context)
        await say(update, t.CANCELLED)
    else:
        await say(update, common_texts.NOTHING_TO_CANCEL)
    if context.user_data is not None:
        for key in (PREVIEW_KEY, PHOTO_KEY, ALBUM_KEY):
            context.user_data.pop(key, None)
    return END


# ---------------------------------------------------------------- supervisor


@requires(Role.SUPERVISOR)
async def on_check_button(update: Update, context: BotContext, person: Person) -> None:
    query = update.callback_query
    data = callbacks.decode(query.data if query is not None else None)
    purchase_id = data.int_arg(0) if data is not None else None
    if data is None or purchase_id is None or data.action_of(PurchaseCheckAction) is None:
        await answer(update, common_texts.STALE_BUTTON)
        return
    purchase = await service.confirm(context.services, person, purchase_id)
    await answer(update, t.confirmed_ack(purchase))


@requires(Role.SUPERVISOR)
async def on_reject_button(update: Update, context: BotContext, person: Person) -> int:
    query = update.callback_query
    data = callbacks.decode(query.data if query is not None else None)
    purchase_id = data.int_arg(0) if data is not None else None
    if purchase_id is None:
        await answer(update, common_texts.STALE_BUTTON)
        return END
    purchase = await service.check_decidable(context.services, person, purchase_id)
    _reject_prompt(context, purchase_id)
    await answer(update)
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, t.ASK_REJECT_REASON.format(number=purchase.number))
    return REASON


def _reject_prompt(context: BotContext, purchase_id: int) -> None:
    if context.user_data is not None:
        context.user_data[REJECT_KEY] = {"id": purchase_id, "at": to_db(context.services.now())}


def _fresh_reject_id(pending: object, now: datetime) -> int | None:
    """The purchase a reason is still awaited for: a prompt forgotten for an hour no longer
    turns the next thing the supervisor types ("好的") into a rejection."""
    if not isinstance(pending, dict) or not isinstance(pending.get("id"), int):
        return None
    try:
        asked = from_db(str(pending.get("at")))
    except ValueError:
        return None
    return int(pending["id"]) if now - asked < REJECT_TTL else None


class _AwaitingReason(filters.MessageFilter):
    """True while the sender owes a fresh reason; a stale prompt lets the text through to
    whatever it would mean without it."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        super().__init__(name="purchase_reject_reason")
        self._app = app

    def filter(self, message: Message) -> bool:
        user = message.from_user
        data = self._app.user_data.get(user.id) if user is not None else None
        pending = data.get(REJECT_KEY) if isinstance(data, dict) else None
        return _fresh_reject_id(pending, services_of(self._app).now()) is not None


@requires(Role.SUPERVISOR)
async def on_reject_reason(update: Update, context: BotContext, person: Person) -> int:
    pending = context.user_data.pop(REJECT_KEY, None) if context.user_data else None
    purchase_id = _fresh_reject_id(pending, context.services.now())
    message = update.effective_message
    if purchase_id is None or message is None:
        return END
    if message.reply_to_message is not None and await notifications.is_notification(
        context.services, message.chat_id, message.reply_to_message.message_id
    ):  # answered a notification instead: that reply decides, the reason prompt is dropped
        await replies.on_reply(update, context)
        return END
    reason = re.sub(r"^驳回[\s:：,，]*", "", (message.text or "").strip())
    try:
        purchase = await service.reject(context.services, person, purchase_id, reason)
    except DomainError as err:
        await say_error(update, err)
        if isinstance(err, ReasonRequired):  # ask again
            _reject_prompt(context, purchase_id)
            return REASON
        return END
    await say(update, t.rejected_ack(purchase))
    return END


async def on_reject_abort(update: Update, context: BotContext) -> int:
    if context.user_data is not None:
        context.user_data.pop(REJECT_KEY, None)
    await say(update, t.REJECT_ABORTED)
    return END


async def on_reply(
    update: Update, context: BotContext, person: Person, purchase_id: int, text: str
) -> None:
    """A reply to the supervisor's notification: 确认 / ok / 同意, or 驳回 <理由>."""
    words = text.strip()
    try:
        if normalise(words).lower().rstrip("!！。.") in CONFIRM_WORDS:
            purchase = await service.confirm(context.services, person, purchase_id)
            await say(update, t.confirmed_ack(purchase))
        elif words.startswith(("驳回", "退回", "不同意")):
            reason = re.sub(r"^(驳回|退回|不同意)[\s:：,，]*", "", words)
            purchase = await service.reject(context.services, person, purchase_id, reason)
            await say(update, t.rejected_ack(purchase))
        else:  # already decided? say who; otherwise explain the two answers
            await service.check_decidable(context.services, person, purchase_id)
            await say(update, t.REPLY_HELP)
    except DomainError as err:
        await say_error(update, err)


# ---------------------------------------------------------------- lists, export, suppliers


@requires(Role.PURCHASER, Role.SUPERVISOR, Role.CANTEEN)
async def on_purchases(update: Update, context: BotContext, person: Person) -> None:
    svc = context.services
    today = svc.local_now().date()
    arg = _command_args(update)
    day: date = parse_day(arg, today) if arg else today
    await say(update, t.day_list(day, await service.day_purchases(svc, day)))


@requires(Role.SUPERVISOR)
async def on_export(update: Update, context: BotContext, person: Person) -> None:
    svc = context.services
    arg = re.sub(r"^(purchases?|采购)\s*", "", _command_args(update), flags=re.I).strip()
    today = svc.local_now().date()
    year, month = parse_month(arg, today) if arg else (today.year, today.month)
    export = await service.export_month(svc, person, year, month)
    message = update.effective_message
    if export is None:
        await say(update, t.EXPORT_EMPTY.format(month=f"{year}年{month}月"))
        return
    if message is not None:
        data = await files.read(svc, export.path)
        await message.reply_document(data, filename=export.file_name, caption=export.caption)


@requires(Role.PURCHASER, Role.SUPERVISOR, Role.CANTEEN)
async def on_suppliers(update: Update, context: BotContext, person: Person) -> None:
    svc = context.services
    arg = _command_args(update)
    verb, _, rest = arg.partition(" ")
    if verb.lower() in ("add", "添加", "更新"):
        name, expires = parse_supplier_args(rest)
        new = await service.save_supplier(svc, person, name, expires)
        await say(update, t.supplier_saved(name, expires, new))
    elif verb.lower() in ("remove", "del", "删除", "移除"):
        name = normalise(rest).lstrip("@")
        await service.remove_supplier(svc, person, name)
        await say(update, t.SUPPLIER_REMOVED.format(name=esc(name)))
    elif verb:
        await say(update, t.SUPPLIER_USAGE)
    else:
        items = await service.suppliers(svc)
        text = t.suppliers_list(items, svc.local_now().date())
        if Role.ADMIN in person.roles:
            text += "\n\n" + t.SUPPLIER_USAGE
        await say(update, text)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add this feature's handlers (private chats only)."""
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND
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
            states={REASON: [MessageHandler(text & _AwaitingReason(app), on_reject_reason)]},
            fallbacks=[CommandHandler("cancel", on_reject_abort, filters=private)],
            name="purchase_reject", persistent=True, allow_reentry=True,
        )  # fmt: skip
        drafting = ConversationHandler(
            entry_points=[CommandHandler("purchase", on_purchase, filters=private), draft_button],
            states={EDITING: [
                MessageHandler(text, on_draft_text),
                MessageHandler(private & (filters.PHOTO | filters.Document.ALL), on_draft_photo),
                draft_button,
            ]},
            fallbacks=[CommandHandler("cancel", on_draft_cancel, filters=private),
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
