"""The storeroom in Telegram: /stock, /领用, the storekeeper's and requester's taps, and
the parts a repairer used (a reply to the question, or a tap). Thin: every decision is in
``bot.services.stock``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks, router
from bot.callbacks import Ns, StockAction
from bot.context import BotContext
from bot.domain.errors import DomainError
from bot.domain.people import Person
from bot.services import stock as service
from bot.texts import stock as t
from handlers.common import answer, cancel_handlers, requires, say, say_error
from handlers.pending import Owes, ask
from handlers.replies import route

CHOSEN_TTL = timedelta(minutes=15)


@requires()
async def on_stock(update: Update, context: BotContext, person: Person) -> None:
    args = context.args or []
    svc = context.services
    if args and args[0] in ("in", "入库"):
        await say(update, t.stocked_in(await service.stock_in(svc, args[1:], by=person)))
    elif args and args[0] in ("min", "最低"):
        await say(update, t.minimum_set(await service.set_minimum(svc, args[1:], by=person)))
    elif args:
        await say(update, t.STOCK_USAGE)
    else:
        await say(update, t.stock_list(await service.items(svc)))


@requires()
async def on_request(update: Update, context: BotContext, person: Person) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    # After /领用 (not a Telegram command: not ASCII).
    await request_items(update, context, person, message.text.split()[1:])


async def request_items(
    update: Update, context: BotContext, person: Person, words: list[str]
) -> None:
    """/领用 with what and how many, or without (also 「我要领用」): the items to pick."""
    if not words:  # pick the item from buttons, then say how many and what for
        items = [i for i in await service.items(context.services) if i.quantity > 0]
        await say(update, t.PICK_ITEM if items else t.EMPTY, t.item_buttons(items))
        return
    await say(update, t.requested(await service.request(context.services, words, by=person)))


@requires()
async def on_amount(update: Update, context: BotContext, person: Person) -> None:
    """「40本 三年级二班」 after tapping 作业本."""
    message = update.effective_message
    assert message is not None and message.text is not None and context.user_data is not None
    pending = context.user_data.stock_chosen or {}
    context.user_data.stock_chosen = None
    words = [str(pending.get("item", "")), *message.text.split()]
    try:
        req_id = await service.request(context.services, words, by=person)
    except DomainError:
        context.user_data.stock_chosen = pending  # let them try again
        raise
    await say(update, t.requested(req_id))


async def on_choice_cancel(update: Update, context: BotContext) -> None:
    """/cancel or 「不要了」 after tapping an item: nothing is requested."""
    if context.user_data is not None:
        context.user_data.stock_chosen = None
    await say(update, t.REQUEST_DROPPED)


@requires()
async def on_button(update: Update, context: BotContext, person: Person) -> None:
    query = update.callback_query
    assert query is not None
    data = callbacks.decode(query.data)
    target = data.int_arg() if data is not None else None
    action = data.action_of(StockAction) if data is not None else None
    if data is None or target is None:
        await answer(update, t.NOT_FOUND, alert=True)
        return
    svc = context.services
    if action is StockAction.PICK_ITEM:
        item = await service.item(svc, target)
        assert context.user_data is not None
        context.user_data.stock_chosen = ask(svc.now(), item=item.name)
        await answer(update)
        if query.message is not None:
            await context.bot.send_message(query.message.chat.id, t.ask_amount(item))
    elif action in (StockAction.APPROVE, StockAction.REFUSE):
        approve = action is StockAction.APPROVE
        done = await service.decide(svc, target, approve=approve, by=person)
        await answer(update, t.decided(done.req_id, approve))
        await query.edit_message_reply_markup(reply_markup=None)
    elif action is StockAction.RECEIVED:
        got = await service.confirm_receipt(svc, target, by=person)
        await answer(update, t.received(got.req_id))
        await query.edit_message_reply_markup(reply_markup=None)
    elif action is StockAction.PART_USED and (item_id := data.int_arg(1)) is not None:
        used = await service.use_parts(svc, target, by=person, item_id=item_id)
        await answer(update, t.parts_used(used.repair_id, used.used))
    else:  # forged: an unknown action, or a part without its item
        await answer(update, t.NOT_FOUND, alert=True)


async def on_parts_reply(
    update: Update, context: BotContext, person: Person, repair_id: int, text: str
) -> None:
    """A reply to 「用了哪些材料？」: 「换灯管2根 启辉器1个」."""
    try:
        used = await service.use_parts(context.services, repair_id, by=person, text=text)
    except DomainError as err:
        await say_error(update, err)
        return
    await say(update, t.parts_used(used.repair_id, used.used))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("stock", on_stock, filters=private))
    app.add_handler(
        MessageHandler(private & filters.Regex(r"^/(领用|lingyong|requisition)(\s|$)"), on_request)
    )
    chose = Owes(app, "requisition_item_chosen", lambda state: state.stock_chosen, CHOSEN_TTL)
    for handler in cancel_handlers(on_choice_cancel, private & chose):  # before the amount
        app.add_handler(handler)
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND & chose, on_amount))
    app.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(Ns.STOCK)))
    route(router.PartsUsed, on_parts_reply)
