"""Places (地点) in Telegram: /places, the import of a sheet captioned 「地点」, /qr, and the
QR sticker's deep link ``/start p<code>`` that starts a report with the place filled in.
Thin: every decision is in ``bot.services.places``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks
from bot.callbacks import Ns, PlaceAction
from bot.clock import from_db, to_db
from bot.context import BotContext, services_of
from bot.domain.errors import DomainError
from bot.domain.people import Person
from bot.domain.places import START_AT_PLACE, parse_start_payload
from bot.domain.roles import Role
from bot.services import places as service
from bot.telegram.media import ImageSource, download, receive_image
from bot.telegram.state import UserState
from bot.texts import places as t
from handlers.common import answer, requires, say

AT_PLACE_TTL = timedelta(hours=1)
IMAGE_FILES = filters.PHOTO | filters.Document.IMAGE


# ---- the place list -------------------------------------------------------------------
@requires()
async def on_places(update: Update, context: BotContext, person: Person) -> None:
    args = context.args or []
    svc = context.services
    if args and args[0] in ("add", "添加", "map", "对应"):
        if not person.has(Role.ADMIN):
            raise DomainError(t.ADMIN_ONLY)
        if args[0] in ("add", "添加"):
            await say(update, t.added(await service.add(svc, args[1:], by=person)))
        else:
            typed, place = await service.map_typed(svc, args[1:], by=person)
            await say(update, t.mapped(typed, place))
        return
    if args:
        await say(update, t.USAGE)
        return
    listing = await service.overview(svc)
    await say(update, t.place_list(listing.places, listing.unmatched))


@requires(Role.ADMIN)
async def on_import_file(update: Update, context: BotContext, person: Person) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    data = await download(ImageSource(message.document, None))
    draft = await service.preview_import(
        context.services, message.document.file_name or "", data, by=person
    )
    text = t.import_preview(draft.new, len(draft.preview.places), draft.preview.skipped)
    await say(update, text, t.import_button(draft.import_id) if draft.new else [])


@requires(Role.ADMIN)
async def on_button(update: Update, context: BotContext, person: Person) -> None:
    query = update.callback_query
    assert query is not None
    data = callbacks.decode(query.data)
    action = data.action_of(PlaceAction) if data is not None else None
    import_id = data.int_arg() if data is not None and action is PlaceAction.IMPORT else None
    if import_id is None:
        await answer(update, t.STALE, alert=True)
        return
    added = await service.confirm_import(context.services, import_id, by=person)
    await answer(update)
    if query.message is not None:
        await query.edit_message_reply_markup(reply_markup=None)
        await context.bot.send_message(query.message.chat.id, t.imported(added))


@requires()
async def on_place(update: Update, context: BotContext, person: Person) -> None:
    svc = context.services
    found = await service.history(svc, " ".join(context.args or []))
    text = t.place_history(
        found.place, found.repairs, found.advice, svc.settings.timezone, found.parts
    )
    await say(update, text)


# ---- QR stickers ----------------------------------------------------------------------
@requires(Role.ADMIN)
async def on_qr(update: Update, context: BotContext, person: Person) -> None:
    message = update.effective_message
    assert message is not None
    building = " ".join(context.args or []) or None
    await message.reply_text(t.QR_WORKING)
    sheet = await service.stickers(context.services, building)
    await message.reply_photo(sheet.preview_png, caption=t.QR_PREVIEW)
    await message.reply_document(
        sheet.pdf, filename=sheet.file_name, caption=t.qr_caption(sheet.count, building)
    )


@requires()
async def on_start_at_place(update: Update, context: BotContext, person: Person) -> None:
    """The sticker's link: ``/start p<code>``. The next photo is the report at that place."""
    assert context.user_data is not None
    code = parse_start_payload((context.args or [""])[0])
    place = await service.by_code(context.services, code) if code else None
    if place is None:
        await say(update, t.UNKNOWN_PLACE_CODE)
        return
    context.user_data.place_report = {"place": place.name, "at": to_db(context.services.now())}
    await say(update, t.start_at_place(place))


class _ScannedSticker(filters.MessageFilter):
    """True while the sender scanned a sticker in the last hour and has not sent the photo."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        super().__init__(name="scanned_place_sticker")
        self._app = app

    def filter(self, message: Message) -> bool:
        user = message.from_user
        data = self._app.user_data.get(user.id) if user else None
        pending = data.place_report if isinstance(data, UserState) else None
        if not isinstance(pending, dict):
            return False
        if pending.get("repair") is not None:  # filed: only the rest of its album
            return bool(message.media_group_id) and message.media_group_id == pending.get("group")
        try:
            return services_of(self._app).now() - from_db(str(pending["at"])) < AT_PLACE_TTL
        except (KeyError, ValueError, RuntimeError):
            return False


@requires()
async def on_photo_at_place(update: Update, context: BotContext, person: Person) -> None:
    message = update.effective_message
    assert message is not None and context.user_data is not None
    pending = context.user_data.place_report or {}
    photo = await receive_image(update, context, folder="repairs")
    if pending.get("repair") is not None:  # another photo of the album: same report
        await service.add_photo(context.services, int(pending["repair"]), photo, by=person)
        return
    result = await service.report_at(
        context.services, person, str(pending.get("place", "")), message.caption or "", (photo,)
    )
    if message.media_group_id:  # the album's other photos belong to this report
        context.user_data.place_report = {
            "repair": result.ticket.id, "group": message.media_group_id, "at": pending.get("at"),
        }  # fmt: skip
    else:
        context.user_data.place_report = None  # saved: the next photo is an ordinary report
    # The 「已提交」 answer goes through the outbox, in the report's own transaction.


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Before /start (the sticker's link is a /start) and before the other photo flows
    (a photo right after scanning a sticker is the report at that place)."""
    private = filters.ChatType.PRIVATE
    app.add_handler(
        CommandHandler("start", on_start_at_place, filters=private & filters.Regex(START_AT_PLACE))
    )
    app.add_handler(CommandHandler("places", on_places, filters=private))
    app.add_handler(CommandHandler("place", on_place, filters=private))
    app.add_handler(CommandHandler("qr", on_qr, filters=private))
    sheet = filters.Document.FileExtension("xlsx") | filters.Document.FileExtension("csv")
    caption = filters.CaptionRegex(rf"^\s*{t.IMPORT_CAPTION}\s*$")
    app.add_handler(MessageHandler(private & sheet & caption, on_import_file))
    app.add_handler(MessageHandler(private & IMAGE_FILES & _ScannedSticker(app), on_photo_at_place))
    app.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(Ns.PLACE)))
