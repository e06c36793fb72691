"""The day's purchases, the finance export and the 定点供应商 list."""

from __future__ import annotations

import logging
import re
from datetime import date

from telegram import Update

from bot.context import BotContext
from bot.domain.people import Person
from bot.domain.purchases import (
    normalise,
    parse_day,
    parse_month,
    parse_supplier_args,
)
from bot.domain.roles import Role
from bot.services import files
from bot.services import purchases as service
from bot.texts import purchases as t
from handlers.common import esc, requires, say
from handlers.purchases.draft import command_args

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- lists, export, suppliers


@requires(Role.PURCHASER, Role.SUPERVISOR, Role.CANTEEN)
async def on_purchases(update: Update, context: BotContext, person: Person) -> None:
    svc = context.services
    today = svc.local_now().date()
    arg = command_args(update)
    day: date = parse_day(arg, today) if arg else today
    await say(update, t.day_list(day, await service.day_purchases(svc, day)))


@requires(Role.SUPERVISOR)
async def on_export(update: Update, context: BotContext, person: Person) -> None:
    svc = context.services
    arg = re.sub(r"^(purchases?|采购)\s*", "", command_args(update), flags=re.I).strip()
    today = svc.local_now().date()
    year, month = parse_month(arg, today) if arg else (today.year, today.month)
    export = await service.export_month(svc, person, year, month)
    message = update.effective_message
    if export is None:
        await say(update, t.export_empty_month(year, month))
        return
    if message is not None:
        data = await files.read(svc, export.path)
        await message.reply_document(data, filename=export.file_name, caption=export.caption)


@requires(Role.PURCHASER, Role.SUPERVISOR, Role.CANTEEN)
async def on_suppliers(update: Update, context: BotContext, person: Person) -> None:
    svc = context.services
    arg = command_args(update)
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
