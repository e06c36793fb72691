"""The bot in group chats: /setpublic, telling the admins when the bot was added to a
group, and ``#报修`` (or 「报修：」) reports in the staff group. Other chatter is ignored."""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import Application, ChatMemberHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.domain.people import Person
from bot.domain.roles import Role
from bot.services import onboarding as service
from bot.services import repairs as repairs_service
from bot.services.people import Actor
from bot.telegram.keyboards import markup
from bot.telegram.media import receive_image
from bot.texts import onboarding as t
from bot.texts import repairs as repair_texts
from handlers.common import requires, say

_TAG = re.compile(r"(^|\s)#报修(\s|$)")
_PREFIX = re.compile(r"^\s*报修[：:]")
_HAS_TAG = re.compile(r"(^|\s)#报修(\s|$)|^\s*报修[：:]")


def strip_tag(text: str) -> str:
    """The report without its marker: "#报修 教学楼302 门锁坏了" -> "教学楼302 门锁坏了"."""
    return " ".join(_PREFIX.sub(" ", _TAG.sub(" ", text)).split())


@requires(Role.ADMIN)
async def on_setpublic(update: Update, context: BotContext, person: Person) -> None:
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        await say(update, t.SETPUBLIC_PRIVATE)
        return
    title = chat.title or str(chat.id)
    await service.set_public_chat(context.services, chat.id, title, by=person)
    await say(update, t.public_set(title))


async def on_my_membership(update: Update, context: BotContext) -> None:
    """Added to a group: the admins learn its name and id (for /setpublic or the settings)."""
    change = update.my_chat_member
    if change is None or change.chat.type == ChatType.PRIVATE:
        return
    was_in = change.old_chat_member.status in (
        ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER,
    )  # fmt: skip
    now_in = change.new_chat_member.status in (
        ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR,
    )  # fmt: skip
    if now_in and not was_in:
        title = change.chat.title or str(change.chat.id)
        await service.tell_admins_bot_added(context.services, change.chat.id, title)


@requires()
async def on_group_repair(update: Update, context: BotContext, person: Person) -> None:
    """A photo or text marked #报修 becomes the sender's repair report: a short answer in
    the group, the details and category buttons in their private chat."""
    message = update.effective_message
    assert message is not None
    text = strip_tag(message.text or message.caption or "")
    photos = (await receive_image(update, context, folder="repairs"),) if message.photo else ()
    if not text and not photos:
        await message.reply_text(t.GROUP_REPAIR_EMPTY)
        return
    caption = text or repair_texts.SEE_PHOTO
    result = await repairs_service.report_caption(
        context.services, reporter=Actor.of(person), caption=caption, photos=photos
    )
    ticket = result.ticket
    private = False
    if person.chat_id is not None:
        try:
            await context.bot.send_message(
                person.chat_id,
                repair_texts.submitted(ticket, result.photo_count),
                reply_markup=markup(repair_texts.category_buttons(ticket.id, ticket.category)),
            )
            private = True
        except TelegramError:  # they blocked the bot: the group answer says what to do
            pass
    await message.reply_text(t.group_repair_done(ticket.number, private))


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    groups = filters.ChatType.GROUPS
    app.add_handler(CommandHandler("setpublic", on_setpublic))
    app.add_handler(ChatMemberHandler(on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    marked = filters.Regex(_HAS_TAG) | filters.CaptionRegex(_HAS_TAG)
    app.add_handler(
        MessageHandler(
            groups & (filters.TEXT | filters.PHOTO) & ~filters.COMMAND & marked,
            on_group_repair,
        )
    )
