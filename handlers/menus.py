"""Weekly menus (周食谱): /setmenu with a preview and 保存/取消, /menu as a picture plus
text, /copymenu."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import callbacks
from bot.callbacks import MenuAction, Ns
from bot.context import BotContext
from bot.domain.errors import DomainError
from bot.domain.menus import monday_of, parse_menu_arg
from bot.domain.messages import TEXT_LIMIT
from bot.domain.people import Person
from bot.domain.roles import Role
from bot.services import menus
from bot.texts import menus as t
from handlers.common import answer, current_person, requires, say

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE


def _args(update: Update) -> str:
    message = update.effective_message
    parts = ((message.text or "") if message else "").split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


def _menu_lines(update: Update) -> str:
    """The text after /setmenu with its line breaks kept, so that "第 N 行" in the
    preview counts lines the way the sender sees them in their message."""
    message = update.effective_message
    text = (message.text or "") if message else ""
    command = text.split(maxsplit=1)[0] if text.strip() else ""
    return text.strip()[len(command) :]


@requires(Role.CANTEEN)
async def cmd_setmenu(update: Update, context: BotContext, person: Person) -> None:
    text = _menu_lines(update)
    if not text.strip():
        await say(update, t.SETMENU_USAGE)
        return
    p = await menus.preview(context.services, text, by=person)
    buttons = t.preview_buttons(p.draft_id) if p.draft_id else []
    await say(update, t.preview(p.week, p.problems, existing=p.existing), buttons)


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    cb = callbacks.decode(query.data)
    draft_id = cb.int_arg(0) if cb else None
    person = await current_person(update, context)
    action = cb.action_of(MenuAction) if cb else None
    if action is None or draft_id is None:
        await answer(update, t.DRAFT_GONE)
        return
    if person is None or not person.has(Role.CANTEEN):
        await answer(update, t.CANTEEN_ONLY, alert=True)
        return
    try:
        if action is MenuAction.SAVE:
            week = await menus.save_draft(context.services, draft_id, by=person)
            done, shown = t.saved(week.week), t.saved_view(week)
        else:
            await menus.cancel_draft(context.services, draft_id, by=person)
            done = shown = t.CANCELLED
    except DomainError as err:
        await answer(update, err.message, alert=True)
        return
    if len(shown) > TEXT_LIMIT:  # a preview sent in parts: its last part says what happened
        shown = done
    try:  # the preview loses its buttons, so a second tap has nothing to press
        await query.edit_message_text(shown)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
    await answer(update, done)


@requires()
async def cmd_menu(update: Update, context: BotContext, person: Person) -> None:
    await show_menu(update, context, _args(update))


async def show_menu(update: Update, context: BotContext, arg: str) -> None:
    """/menu [下周|今天|明天], also asked in words (「明天吃什么」)."""
    svc = context.services
    kind, day = parse_menu_arg(arg, svc.local_now().date())
    message = update.effective_message
    assert message is not None
    if kind == "today":
        week = await menus.week(svc, monday_of(day))
        if not week.day(day.weekday()):
            await say(update, t.no_menu_today(day))
            return
        await say(update, t.day_text(week, day))
        return
    week = await menus.week(svc, day)
    if week.empty:
        await say(update, t.no_menu(day))
        return
    await message.reply_photo(await menus.picture(week), caption=t.week_title(week.week))
    await say(update, t.week_text(week))


@requires(Role.CANTEEN)
async def cmd_copymenu(update: Update, context: BotContext, person: Person) -> None:
    overwrite = _args(update).strip() in ("覆盖", "overwrite", "force")
    source, target, count = await menus.copy_last_week(
        context.services, by=person, overwrite=overwrite
    )
    await say(update, t.copied(source, target, count))
    await say(update, t.copy_to_edit(await menus.week(context.services, target)))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add this feature's handlers (private-chat and group handlers separately)."""
    app.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(Ns.MENU)))
    app.add_handler(CommandHandler("setmenu", cmd_setmenu, filters=PRIVATE))
    app.add_handler(CommandHandler("menu", cmd_menu, filters=PRIVATE))
    # The menu is public anyway (it is pushed to the public chat): show it where asked.
    app.add_handler(CommandHandler("menu", cmd_menu, filters=filters.ChatType.GROUPS))
    app.add_handler(CommandHandler("copymenu", cmd_copymenu, filters=PRIVATE))
