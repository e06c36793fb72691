"""Everyday messages nothing else took: a greeting or 「怎么报修」 gets the person's own
help, a text naming a place and a fault is offered as a repair report, a voice message or
a sticker gets a hint of what to send. The router decides (``bot/router.py``); anything it
cannot place still gets 「没看懂」 with the way to /help."""

from __future__ import annotations

import html

from telegram import Update

from bot import router
from bot.context import BotContext
from bot.domain.people import Person
from bot.protocol import Ref, RefKind
from bot.services import patrols
from bot.texts import common as t
from handlers.common import message_kind, requires, say
from handlers.menus import show_menu
from handlers.patrols import on_note_reply
from handlers.repairs.lookup import on_list
from handlers.repairs.report import offer_repair
from handlers.stock import request_items


@requires()
async def on_everyday(update: Update, context: BotContext, person: Person) -> None:
    message = update.effective_message
    if message is None:
        return
    item = await patrols.item_waiting_for_note(context.services, person)
    intent = router.route(
        router.Incoming(
            message_kind(message),
            message.text or message.caption or "",
            person.roles,
            replies_to_a_message=message.reply_to_message is not None,
            patrol_item=Ref(RefKind.PATROL_CHECK, item) if item is not None else None,
        )
    )
    if isinstance(intent, router.NoteOnPatrolCheck):
        await on_note_reply(update, context, person, intent.check_id, intent.text)
    elif isinstance(intent, router.ShowHelp):
        await say(update, t.help_for(html.escape(person.name, quote=False), person.roles))
    elif isinstance(intent, router.CommandInWords):
        await _command_in_words(update, context, person, intent)
    elif isinstance(intent, router.Thanks):
        await say(update, t.YOU_ARE_WELCOME if intent.grateful else t.NOTED)
    elif isinstance(intent, router.OfferRepair):
        await offer_repair(update, context, intent.text, has_place=intent.has_place)
    elif isinstance(intent, router.HintWhatToSend):
        await say(update, t.VOICE_HINT if intent.kind is router.Kind.VOICE else t.STICKER_HINT)
    else:
        kind = next((k for field, k in _KINDS if getattr(message, field, None)), None)
        await say(update, t.UNSUPPORTED[kind] if kind else t.NOT_UNDERSTOOD)


async def _command_in_words(
    update: Update, context: BotContext, person: Person, intent: router.CommandInWords
) -> None:
    """What the command would have answered. 「我要报修」 is taken by the guided /repair
    conversation before it gets here; if it does get here, say how."""
    if intent.command == "repairs":
        await on_list(update, context)
    elif intent.command == "menu":
        await show_menu(update, context, intent.arg)
    elif intent.command == "领用":
        await request_items(update, context, person, [])
    else:
        await say(update, t.HOW_TO_REPAIR)


# Message fields -> the kind whose explanation fits (an animation is also a document).
_KINDS = (("sticker", "sticker"), ("voice", "voice"), ("audio", "voice"), ("video", "video"),
          ("video_note", "video"), ("animation", "video"), ("location", "location"),
          ("venue", "location"), ("contact", "contact"), ("poll", "poll"),
          ("document", "document"))  # fmt: skip
