"""The guided ``/repair`` conversation: photos, place, problem, category, urgency, then
a summary to submit. The draft lives in user_data, so a restart resumes it."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.callbacks import RepairAction
from bot.context import BotContext
from bot.domain.people import Person
from bot.domain.repairs import (
    Category,
    Urgency,
    clean_description,
    clean_location,
    guess_category,
    parse_category,
    parse_urgency,
    split_caption,
)
from bot.services import repairs as service
from bot.services.people import Actor
from bot.telegram.media import receive_image
from bot.texts import repairs as t
from handlers.common import SAYS_CANCEL, answer, cancel_handlers, requires, say, says
from handlers.repairs.lookup import show_detail
from handlers.repairs.shared import (
    G_CATEGORY,
    G_CONFIRM,
    G_DESCRIPTION,
    G_LOCATION,
    G_PHOTOS,
    G_URGENCY,
    GUIDED_NAME,
    IMAGE_FILES,
    drop_buttons,
    photo_dict,
    photos_of,
    pop_pending,
    prompt,
)

log = logging.getLogger(__name__)


# ---- guided path --------------------------------------------------------------------
def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft = context.user_data.repair_guided
    if draft is None:
        draft = context.user_data.repair_guided = {"photos": []}
    return draft


@requires()
async def guided_start(update: Update, context: BotContext, person: Person) -> int | None:
    if context.args:
        # Looking a report up; a guided report in progress stays where it was (None).
        await show_detail(update, context, person, context.args[0])
        return None
    assert context.user_data is not None
    pending = pop_pending(context) or {}
    # Photos sent just before, still waiting for their caption, belong to this report.
    photos = list(pending.get("photos") or []) if pending.get("kind") == "caption" else []
    previous = context.user_data.repair_guided or {}
    context.user_data.repair_guided = {"photos": photos}
    text = t.GUIDED_START if not photos else t.guided_start_with(len(photos))
    if any(previous.get(key) for key in ("photos", "location", "description")):
        text = f"{t.GUIDED_RESTARTED}\n{text}"  # say so: the unfinished one is gone
    await say(update, text, t.GUIDED_SKIP_PHOTO)
    return G_PHOTOS


@requires()
async def guided_photo(update: Update, context: BotContext, person: Person) -> int | None:
    """A photo at any step joins the draft; the conversation stays where it is, unless
    the first photo's caption already says where and what (then those steps are done)."""
    message = update.effective_message
    assert message is not None
    draft = _draft(context)
    if len(draft["photos"]) >= service.MAX_PHOTOS:
        await say(update, t.GUIDED_TOO_MANY_PHOTOS)
        return None
    photo = await receive_image(update, context, folder="repairs")
    draft["photos"].append(photo_dict(photo))
    group = message.media_group_id
    if group is not None and group == draft.get("group"):
        return None  # one answer per album, not one per photo
    draft["group"] = group
    caption = (message.caption or "").strip()
    if caption and not draft.get("asked_location"):
        location, description = split_caption(caption)
        if location:
            draft["location"] = clean_location(location)
            draft["asked_location"] = True
            if not description:
                await say(update, t.guided_place_from_caption(draft["location"]))
                return G_DESCRIPTION
            return await _ask_category(update, draft, clean_description(description))
    n = len(draft["photos"])
    if draft.get("asked_location"):
        await say(update, t.GUIDED_PHOTO_ADDED.format(n=n))
    else:
        await say(update, t.GUIDED_PHOTO_MORE.format(n=n), t.GUIDED_SKIP_PHOTO)
    return None


async def guided_skip(update: Update, context: BotContext) -> int:
    await answer(update)
    await drop_buttons(update)
    _draft(context)["asked_location"] = True
    await prompt(update, t.GUIDED_ASK_LOCATION)
    return G_LOCATION


def _take(update: Update, context: BotContext, field: str, clean: Callable[[str], str]) -> Any:
    """Put the cleaned text of this message into the draft (DomainError if unusable)."""
    message = update.effective_message
    assert message is not None
    draft = _draft(context)
    draft[field] = clean(message.text or "")
    return draft


@requires()
async def guided_location(update: Update, context: BotContext, person: Person) -> int:
    _take(update, context, "location", clean_location)["asked_location"] = True
    await say(update, t.GUIDED_ASK_DESCRIPTION)
    return G_DESCRIPTION


@requires()
async def guided_description(update: Update, context: BotContext, person: Person) -> int:
    message = update.effective_message
    assert message is not None
    return await _ask_category(update, _draft(context), clean_description(message.text or ""))


async def _ask_category(update: Update, draft: dict[str, Any], description: str) -> int:
    draft["description"] = description
    guess = guess_category(description + str(draft.get("location", "")))
    draft["category"] = guess.value
    text = t.GUIDED_ASK_CATEGORY.format(guess=guess.label)
    if update.effective_message is not None and update.effective_message.caption:
        text = t.guided_read_from_caption(draft["location"], description) + text
    await say(update, text, t.guided_category_buttons())
    return G_CATEGORY


_Choice = TypeVar("_Choice", Category, Urgency)


async def _guided_choice(update: Update, kind: type[_Choice]) -> _Choice | None:
    """The category or urgency a guided-path button carries (None if forged or stale)."""
    cb = callbacks.decode(update.callback_query.data if update.callback_query else None)
    try:
        choice = kind(cb.args[0]) if cb and cb.args else None
    except ValueError:
        choice = None
    if choice is None:
        await answer(update, t.STALE)
        return None
    await answer(update, choice.label)
    await drop_buttons(update)
    return choice


async def guided_category(update: Update, context: BotContext) -> int:
    category = await _guided_choice(update, Category)
    if category is None:
        return G_CATEGORY
    _draft(context)["category"] = category.value
    await prompt(update, t.GUIDED_ASK_URGENCY, t.guided_urgency_buttons())
    return G_URGENCY


@requires()
async def guided_category_text(update: Update, context: BotContext, person: Person) -> int:
    _take(update, context, "category", lambda text: parse_category(text).value)
    await say(update, t.GUIDED_ASK_URGENCY, t.guided_urgency_buttons())
    return G_URGENCY


async def _summary(update: Update, context: BotContext) -> int:
    draft = _draft(context)
    text = t.guided_summary(
        draft["location"],
        draft["description"],
        Category(draft["category"]),
        Urgency(draft.get("urgency", Urgency.NORMAL.value)),
        len(draft["photos"]),
    )
    await prompt(update, text, t.GUIDED_SUMMARY_BUTTONS)
    return G_CONFIRM


async def guided_urgency(update: Update, context: BotContext) -> int:
    urgency = await _guided_choice(update, Urgency)
    if urgency is None:
        return G_URGENCY
    _draft(context)["urgency"] = urgency.value
    return await _summary(update, context)


@requires()
async def guided_urgency_text(update: Update, context: BotContext, person: Person) -> int:
    _take(update, context, "urgency", lambda text: parse_urgency(text).value)
    return await _summary(update, context)


@requires()
async def guided_submit(update: Update, context: BotContext, person: Person) -> int:
    draft = _draft(context)
    result = await service.report(
        context.services,
        reporter=Actor.of(person),
        location=draft["location"],
        description=draft["description"],
        category=Category(draft["category"]),
        urgency=Urgency(draft.get("urgency", Urgency.NORMAL.value)),
        photos=photos_of(draft["photos"]),
    )
    assert context.user_data is not None
    context.user_data.repair_guided = None
    await answer(update, t.guided_done(result.ticket))
    await drop_buttons(update)  # 「已提交」 itself is in the outbox, queued with the report
    return ConversationHandler.END


async def guided_cancel(update: Update, context: BotContext) -> int:
    if context.user_data is not None:
        context.user_data.repair_guided = None
    await answer(update)
    await drop_buttons(update)
    if update.callback_query is not None:
        await prompt(update, t.GUIDED_CANCELLED)
    else:
        await say(update, t.GUIDED_CANCELLED)
    return ConversationHandler.END


async def guided_use_buttons(update: Update, context: BotContext) -> None:
    await say(update, t.GUIDED_USE_BUTTONS)


def guided_conversation() -> ConversationHandler[BotContext]:
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND & ~SAYS_CANCEL  # 「取消」 cancels
    images = private & IMAGE_FILES

    def button(action: RepairAction) -> str:
        return callbacks.action_pattern(action)

    with warnings.catch_warnings():
        # Buttons are tracked per chat and user on purpose: the draft lives in user_data
        # and every button carries all it needs, so per_message tracking is not wanted.
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                CommandHandler("repair", guided_start, filters=private),
                MessageHandler(text & says("repair"), guided_start),  # 「我要报修」
            ],
            states={
                G_PHOTOS: [
                    MessageHandler(images, guided_photo),
                    CallbackQueryHandler(
                        guided_skip, pattern=button(RepairAction.GUIDED_SKIP_PHOTO)
                    ),
                    MessageHandler(text, guided_location),
                ],
                G_LOCATION: [
                    MessageHandler(text, guided_location),
                    MessageHandler(images, guided_photo),
                ],
                G_DESCRIPTION: [
                    MessageHandler(text, guided_description),
                    MessageHandler(images, guided_photo),
                ],
                G_CATEGORY: [
                    CallbackQueryHandler(
                        guided_category, pattern=button(RepairAction.GUIDED_CATEGORY)
                    ),
                    MessageHandler(text, guided_category_text),
                    MessageHandler(images, guided_photo),
                ],
                G_URGENCY: [
                    CallbackQueryHandler(
                        guided_urgency, pattern=button(RepairAction.GUIDED_URGENCY)
                    ),
                    MessageHandler(text, guided_urgency_text),
                    MessageHandler(images, guided_photo),
                ],
                G_CONFIRM: [
                    CallbackQueryHandler(guided_submit, pattern=button(RepairAction.GUIDED_SUBMIT)),
                    CallbackQueryHandler(guided_cancel, pattern=button(RepairAction.GUIDED_CANCEL)),
                    MessageHandler(text, guided_use_buttons),
                    MessageHandler(images, guided_photo),
                ],
            },
            fallbacks=cancel_handlers(guided_cancel),
            name=GUIDED_NAME,
            persistent=True,
            allow_reentry=True,
        )
