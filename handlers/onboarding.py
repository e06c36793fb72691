"""A school joining: school links and /invites, join requests (同意 / 拒绝 / 改角色), the
roster file, /users, /remove, codes pasted as text, and the big buttons of the main keyboard.

Thin: read the update, call one service in ``bot.services.onboarding``, reply."""

from __future__ import annotations

import contextlib
import dataclasses
import html
from typing import Any

from telegram import ReplyKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.callbacks import JoinAction, LinkAction, Ns, RosterAction
from bot.context import BotContext
from bot.domain.errors import DomainError
from bot.domain.invite_codes import find_code
from bot.domain.people import Person
from bot.domain.roles import Role
from bot.services import directory
from bot.services import onboarding as service
from bot.services import people as people_service
from bot.telegram.commands import show_commands
from bot.telegram.keyboards import markup
from bot.texts import admin as admin_texts
from bot.texts import common as tc
from bot.texts import onboarding as t
from handlers.common import answer, current_person, requires, say, say_error

# Runs after the gate and before the features: codes pasted as text, the roster file an
# admin said was coming, and the main keyboard's buttons (rewritten into their commands).
EARLY_GROUP = -10
MAX_ROSTER_BYTES = 5 * 1024 * 1024


def main_keyboard(person: Person) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        t.main_keyboard(person.roles), resize_keyboard=True, is_persistent=True
    )


# ---- school links ---------------------------------------------------------------------
@requires(Role.ADMIN)
async def on_school_invite(update: Update, context: BotContext, person: Person) -> None:
    """/invite 教职工 多人 [7天]: one link many people use (a single role word stays the
    one-person /invite of handlers/admin.py)."""
    svc = context.services
    invite = service.parse_school_invite(context.args or [], svc.settings.invite_days)
    if not svc.bot_username:
        await say(update, admin_texts.NO_BOT_USERNAME)
        return
    code = await service.create_school_link(svc, invite, by=person)
    link = f"https://t.me/{svc.bot_username}?start={code}"
    await say(update, t.school_link(invite.role, link, invite.max_uses, invite.days))


@requires(Role.ADMIN)
async def on_invites(update: Update, context: BotContext, person: Person) -> None:
    links = await service.open_links(context.services)
    rows = [(lk.id, lk.role, lk.uses, lk.max_uses, lk.expires_at) for lk in links]
    text = t.links_list(rows, context.services.settings.timezone)
    await say(update, text, t.links_buttons(lk.id for lk in links))


@requires(Role.ADMIN)
async def on_link_button(update: Update, context: BotContext, person: Person) -> None:
    data = callbacks.decode(update.callback_query.data if update.callback_query else None)
    revoke = data is not None and data.action_of(LinkAction) is LinkAction.REVOKE
    link_id = data.int_arg() if data is not None and revoke else None
    if link_id is None:
        await answer(update, tc.STALE_BUTTON, alert=True)
        return
    link = await service.revoke_link(context.services, link_id, by=person)
    await answer(update, t.link_revoked(link_id, link.uses), alert=True)
    await _refresh_links(update, context)


async def _refresh_links(update: Update, context: BotContext) -> None:
    """The /invites message shows what is still open after a revocation."""
    query = update.callback_query
    if query is None:
        return
    links = await service.open_links(context.services)
    rows = [(lk.id, lk.role, lk.uses, lk.max_uses, lk.expires_at) for lk in links]
    # A message too old to edit: the alert said it already.
    with contextlib.suppress(TelegramError):
        await query.edit_message_text(
            t.links_list(rows, context.services.settings.timezone),
            reply_markup=markup(t.links_buttons(lk.id for lk in links)),
        )


# ---- opening a link -------------------------------------------------------------------
async def join_with_code(update: Update, context: BotContext, code: str) -> None:
    """A deep link opened, or the link / code pasted as text: the same thing."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    try:
        joined = await service.open_code(
            context.services, code, user_id=user.id, name=user.full_name,
            username=user.username, chat_id=message.chat_id,
        )  # fmt: skip
    except DomainError as err:
        await say_error(update, err)
        return
    if joined.waiting:
        await message.reply_text(t.WAITING)
        return
    assert joined.role is not None
    context.person = None  # roles changed: read them again
    person = await current_person(update, context)
    await message.reply_text(
        tc.welcome(html.escape(user.full_name, quote=False), joined.role),
        reply_markup=main_keyboard(person) if person else None,
    )
    if person is not None:
        await show_commands(context.bot, person)
        await message.reply_text(tc.help_for(html.escape(person.name, quote=False), person.roles))


async def on_early_message(update: Update, context: BotContext) -> None:
    """Private messages that are not what they seem: a pasted invite code, the roster
    file an admin announced, a big button of the main keyboard."""
    message = update.effective_message
    if message is None:
        return
    text = message.text or ""
    if text and not text.startswith("/start"):
        code = find_code(text, context.services.bot_username)
        if code is not None:
            await join_with_code(update, context, code)
            raise ApplicationHandlerStop
    if context.person is None:
        return  # a stranger: only codes are for them
    if message.document is not None and _is_roster_file(message, context):
        await _on_roster_file(update, context)
        raise ApplicationHandlerStop
    if text.startswith("/") and context.user_data is not None:
        context.user_data.roster_waiting = False  # another command: not waiting any more
    command = t.BUTTON_COMMANDS.get(text.strip())
    if command is not None:
        await _as_command(update, context, command)
        raise ApplicationHandlerStop


def _is_roster_file(message: Any, context: BotContext) -> bool:
    caption = (message.caption or "").strip()
    waiting = context.user_data is not None and context.user_data.roster_waiting
    return caption.startswith(t.ROSTER_CAPTION) or waiting


async def _as_command(update: Update, context: BotContext, command: str) -> None:
    """A big button's text is handled exactly as its command (same handlers, same
    conversations): the update is replayed with the command as its text."""
    message = update.effective_message
    assert message is not None
    data = message.to_dict()
    text = f"/{command}"
    data["text"] = text
    data["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    replayed = Update.de_json({"update_id": update.update_id, "message": data}, context.bot)
    await context.application.process_update(replayed)


# ---- join requests --------------------------------------------------------------------
@requires(Role.ADMIN)
async def on_join_button(update: Update, context: BotContext, person: Person) -> None:
    query = update.callback_query
    data = callbacks.decode(query.data if query else None)
    request_id = data.int_arg() if data is not None else None
    action = data.action_of(JoinAction) if data is not None else None
    if query is None or data is None or request_id is None or action is None:
        await answer(update, tc.STALE_BUTTON, alert=True)
        return
    svc = context.services
    if action is JoinAction.CHOOSE_ROLE:
        await service.check_request(svc, request_id, by=person)
        await answer(update)
        await query.edit_message_reply_markup(markup(t.role_buttons(request_id)))
        return
    role = None
    if action is JoinAction.APPROVE_AS:
        try:
            role = Role(data.args[1]) if len(data.args) > 1 else None
        except ValueError:
            role = None
        if role is None:
            await answer(update, tc.STALE_BUTTON, alert=True)
            return
    approve = action is not JoinAction.REFUSE
    request = await service.decide(svc, request_id, approve=approve, by=person, role=role)
    joined = await directory.find(svc, request.user_id) if approve else None
    if joined is not None:
        await show_commands(context.bot, joined)
    await answer(update, t.decided_answer(approve, request.name, request.role), alert=True)


# ---- roster ---------------------------------------------------------------------------
@requires(Role.ADMIN)
async def on_roster_import(update: Update, context: BotContext, person: Person) -> None:
    if context.user_data is not None:
        context.user_data.roster_waiting = True
    await say(update, t.ROSTER_ASK_FILE)


@requires(Role.ADMIN)
async def _on_roster_file(update: Update, context: BotContext, person: Person) -> None:
    message = update.effective_message
    assert message is not None
    if context.user_data is not None:
        context.user_data.roster_waiting = False
    document = message.document
    if document is None:
        await say(update, t.ROSTER_NO_FILE)
        return
    if document.file_size and document.file_size > MAX_ROSTER_BYTES:
        raise DomainError(t.ROSTER_TOO_BIG)
    try:
        data = bytes(await (await document.get_file()).download_as_bytearray())
    except TelegramError:
        raise DomainError(t.ROSTER_DOWNLOAD_FAILED) from None
    draft_id, preview = await service.preview_roster(
        context.services, data, document.file_name or "", by=person
    )
    if draft_id is None:
        await say(update, t.roster_preview(preview) if preview.bad else t.ROSTER_EMPTY)
        return
    await say(update, t.roster_preview(preview), t.roster_buttons(draft_id))


@requires(Role.ADMIN)
async def on_roster_button(update: Update, context: BotContext, person: Person) -> None:
    query = update.callback_query
    data = callbacks.decode(query.data if query else None)
    draft_id = data.int_arg() if data is not None else None
    action = data.action_of(RosterAction) if data is not None else None
    if query is None or draft_id is None or action is None:
        await answer(update, tc.STALE_BUTTON, alert=True)
        return
    svc = context.services
    if action is RosterAction.IMPORT:
        result = await service.import_roster(svc, draft_id, by=person)
        text = t.roster_imported(result.added, result.updated, result.linked)
    else:
        await service.cancel_roster(svc, draft_id, by=person)
        text = t.ROSTER_CANCELLED
    await answer(update)
    await query.edit_message_reply_markup(None)
    if query.message is not None:
        await context.bot.send_message(query.message.chat.id, text)


# ---- people ---------------------------------------------------------------------------
@requires(Role.ADMIN)
async def on_users(update: Update, context: BotContext, person: Person) -> None:
    await say(update, await service.users_overview(context.services, by=person))


@requires(Role.ADMIN)
async def on_remove(update: Update, context: BotContext, person: Person) -> None:
    args = context.args or []
    if len(args) != 1:
        await say(update, admin_texts.REMOVE_USAGE)
        return
    svc = context.services
    target_id = await people_service.resolve_person(svc, args[0])
    removal = await service.remove_person(svc, target_id, by=person)
    # Their menu shrinks to what someone without a role may use.
    await show_commands(context.bot, dataclasses.replace(removal.person, roles=frozenset()))
    await say(update, t.removed(removal.person.name, removal.returned))


def register_early(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED, on_early_message),
        group=EARLY_GROUP,
    )


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Before handlers/admin.py: /invite with a count, /users and /remove are answered here."""
    private = filters.ChatType.PRIVATE
    school = filters.Regex(r"^/invite(@\w+)?\s+\S+\s+\S+")
    app.add_handler(CommandHandler("invite", on_school_invite, filters=private & school))
    app.add_handler(CommandHandler("invites", on_invites, filters=private))
    app.add_handler(CommandHandler("users", on_users, filters=private))
    app.add_handler(CommandHandler("remove", on_remove, filters=private))
    app.add_handler(CommandHandler("roster_import", on_roster_import, filters=private))
    app.add_handler(CallbackQueryHandler(on_join_button, pattern=callbacks.pattern(Ns.JOIN)))
    app.add_handler(CallbackQueryHandler(on_link_button, pattern=callbacks.pattern(Ns.LINK)))
    app.add_handler(CallbackQueryHandler(on_roster_button, pattern=callbacks.pattern(Ns.ROSTER)))
