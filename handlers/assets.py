"""The asset register and stocktakes in Telegram: /assets, /asset, /stocktake, the
checklist taps, /export assets and /export stocktake. Thin: the rules are in
``bot.services.assets``."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks
from bot.callbacks import AssetAction, Ns
from bot.context import BotContext
from bot.domain.assets import Check
from bot.domain.people import Person
from bot.services import assets as service
from bot.telegram.keyboards import markup
from bot.telegram.media import ImageSource, download, receive_image
from bot.texts import assets as t
from handlers.common import answer, requires, say
from handlers.pending import Owes, ask

NOTE_TTL = timedelta(minutes=10)


@requires()
async def on_assets(update: Update, context: BotContext, person: Person) -> None:
    args = context.args or []
    svc = context.services
    if args and args[0] in ("add", "登记"):
        await say(update, t.added(await service.add(svc, args[1:], by=person)))
    elif args:
        await say(update, t.USAGE)
    else:
        await say(update, t.register(await service.register_list(svc, by=person)))


@requires()
async def on_asset(update: Update, context: BotContext, person: Person) -> None:
    args = context.args or []
    svc = context.services
    if len(args) == 3 and args[1] in ("link", "关联") and args[2].lstrip("#").isdigit():
        asset = await service.link(svc, args[0], int(args[2].lstrip("#")), by=person)
        await say(update, t.linked(asset, int(args[2].lstrip("#"))))
    elif len(args) == 1:
        found = await service.record(svc, args[0])
        await say(
            update,
            t.asset_record(found.asset, found.repairs, found.repair_cost, svc.settings.timezone),
        )
    else:
        await say(update, t.ASSET_USAGE)


@requires()
async def on_stocktake(update: Update, context: BotContext, person: Person) -> None:
    lists = await service.start_stocktake(context.services, " ".join(context.args or []), by=person)
    building = " ".join(context.args or [])
    await say(update, t.stocktake_started(building, len(lists)))
    for one in lists:
        await say(
            update,
            t.checklist(one.stocktake_id, one.place, one.assets),
            t.checklist_buttons(one.stocktake_id, one.assets),
        )


@requires()
async def on_button(update: Update, context: BotContext, person: Person) -> None:
    query = update.callback_query
    assert query is not None
    data = callbacks.decode(query.data)
    action = data.action_of(AssetAction) if data is not None else None
    import_id = data.int_arg() if data is not None and action is AssetAction.IMPORT else None
    if import_id is not None:
        added = await service.confirm_import(context.services, import_id, by=person)
        await answer(update)
        await query.edit_message_reply_markup(reply_markup=None)
        if query.message is not None:
            await context.bot.send_message(query.message.chat.id, t.imported(added))
        return
    if data is not None and action is AssetAction.LINK:
        repair_id, asset_id = data.int_arg(0), data.int_arg(1)
        if repair_id is None or asset_id is None:
            await answer(update, t.NO_SUCH_REPAIR, alert=True)
            return
        asset = await service.link(context.services, "", repair_id, by=person, asset_id=asset_id)
        await answer(update, t.linked(asset, repair_id))
        return
    stocktake_id = data.int_arg(0) if data else None
    asset_id = data.int_arg(1) if data else None
    code = data.args[2] if data and len(data.args) == 3 else ""
    result = t.CHECK_CODES.get(code)
    if action is not AssetAction.CHECK or not stocktake_id or not asset_id or not result:
        await answer(update, t.NO_STOCKTAKE, alert=True)
        return
    one, repair_id = await service.check(
        context.services, stocktake_id, asset_id, result, by=person
    )
    tag = next((a.tag for a, _, _ in one.assets if a.id == asset_id), "")
    await answer(update, t.checked(tag, result, repair_id))
    assert context.user_data is not None
    if result is Check.PRESENT:
        context.user_data.asset_note = None
    else:  # 缺失 / 损坏: the next text or photo is its note
        context.user_data.asset_note = ask(context.services.now(), st=stocktake_id, asset=asset_id)
        if query.message is not None:
            await context.bot.send_message(query.message.chat.id, t.ask_note(tag, result))
    try:
        await query.edit_message_text(
            t.checklist(one.stocktake_id, one.place, one.assets),
            reply_markup=markup(t.checklist_buttons(one.stocktake_id, one.assets)),
        )
    except BadRequest as exc:  # the same tick twice: nothing to change
        if "not modified" not in str(exc).lower():
            raise


@requires()
async def on_note(update: Update, context: BotContext, person: Person) -> None:
    message = update.effective_message
    assert message is not None and context.user_data is not None
    pending = context.user_data.asset_note or {}
    context.user_data.asset_note = None
    photo = None
    if message.photo or message.document:
        photo = await receive_image(update, context, folder="stocktakes")
    asset = await service.add_note(
        context.services, int(pending.get("st", 0)), int(pending.get("asset", 0)), by=person,
        note=message.text or message.caption or "", photo=photo,
    )  # fmt: skip
    await say(update, t.note_saved(asset.tag))


@requires()
async def on_import_file(update: Update, context: BotContext, person: Person) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    data = await download(ImageSource(message.document, None))
    draft = await service.preview_import(
        context.services, message.document.file_name or "", data, by=person
    )
    text = t.import_preview(draft.new, draft.total, draft.skipped)
    await say(update, text, t.import_button(draft.import_id) if draft.new else [])


@requires()
async def on_export(update: Update, context: BotContext, person: Person) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    svc = context.services
    if re.search(r"stocktake|盘点", message.text):
        building, data = await service.export_stocktake(svc, by=person)
        name, caption = f"盘点-{building}.xlsx", t.export_caption(f"「{building}」盘点结果")
    else:
        data = await service.export_register(svc, by=person)
        name, caption = "资产台账.xlsx", t.export_caption("资产台账")
    await message.reply_document(data, filename=name, caption=caption)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("assets", on_assets, filters=private))
    app.add_handler(CommandHandler("asset", on_asset, filters=private))
    app.add_handler(CommandHandler("stocktake", on_stocktake, filters=private))
    export_filter = private & filters.Regex(
        re.compile(r"^/export(@\w+)?\s+(assets?|stocktake|资产|盘点)(?![a-z])", re.I)
    )
    app.add_handler(CommandHandler("export", on_export, filters=export_filter))
    sheet = filters.Document.FileExtension("xlsx") | filters.Document.FileExtension("csv")
    caption = filters.CaptionRegex(rf"^\s*{t.IMPORT_CAPTION}\s*$")
    app.add_handler(MessageHandler(private & sheet & caption, on_import_file))
    notes = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.IMAGE
    owes_note = Owes(app, "stocktake_note", lambda state: state.asset_note, NOTE_TTL)
    app.add_handler(MessageHandler(private & notes & owes_note, on_note))
    app.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(Ns.ASSET)))
