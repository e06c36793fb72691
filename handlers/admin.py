"""Admin commands: personal invites and roles (/users, /remove and school links are in
handlers/onboarding.py)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.context import BotContext
from bot.domain.people import Person
from bot.domain.roles import Role, parse_role
from bot.services import directory
from bot.services import people as people_service
from bot.telegram.commands import show_commands
from bot.texts import admin as t
from handlers.common import requires, say


@requires(Role.ADMIN)
async def on_invite(update: Update, context: BotContext, person: Person) -> None:
    if len(context.args or []) != 1:
        await say(update, t.INVITE_USAGE)
        return
    role = parse_role(context.args[0])  # type: ignore[index]
    svc = context.services
    if not svc.bot_username:
        await say(update, t.NO_BOT_USERNAME)
        return
    code = await people_service.create_invite(svc, role, by=person)
    link = f"https://t.me/{svc.bot_username}?start={code}"
    await say(update, t.invite_link(role, link, svc.settings.invite_days))


async def _change_role(update: Update, context: BotContext, person: Person, grant: bool) -> None:
    args = context.args or []
    if len(args) != 2:
        await say(update, t.GRANT_USAGE if grant else t.REVOKE_USAGE)
        return
    role = parse_role(args[1])
    target_id = await people_service.resolve_person(context.services, args[0])
    changed = await people_service.set_role(
        context.services, target_id, role, grant=grant, by=person
    )
    target = await directory.find(context.services, target_id)
    await say(
        update, t.role_changed(target.name if target else str(target_id), role, grant, changed)
    )
    if target is not None and changed:
        await show_commands(context.bot, target)


@requires(Role.ADMIN)
async def on_grant(update: Update, context: BotContext, person: Person) -> None:
    await _change_role(update, context, person, grant=True)


@requires(Role.ADMIN)
async def on_revoke(update: Update, context: BotContext, person: Person) -> None:
    await _change_role(update, context, person, grant=False)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("invite", on_invite, filters=private))
    app.add_handler(CommandHandler("grant", on_grant, filters=private))
    app.add_handler(CommandHandler("revoke", on_revoke, filters=private))
