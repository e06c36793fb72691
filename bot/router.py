"""The intent router: what an incoming message means, given who sent it and what is open
for them. Plain Python (no telegram import), so every rule is unit-tested without Telegram.

A handler describes the message (``Incoming``: its kind and text, the sender's roles, the
Ref of the bot message it replies to, the prompt they owe us, their open drafts, their
recent notifications), calls ``route`` and acts on the one typed intent it gets back with
one service call. The Ref of a replied-to message comes from storage (the outbox, or the
memory of the bot's own replies), never from reading the bot's text.

To add an intent: a frozen dataclass below, a rule in ``route`` (rules are tried in order;
the first that matches wins), a test in tests/test_router.py, and the handler that acts
on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.roles import Role
from bot.protocol import Ref, RefKind


class Kind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"  # a photo, or an image sent as a file
    DOCUMENT = "document"  # any other file
    OTHER = "other"


@dataclass(frozen=True)
class Pending:
    """A prompt the person owes an answer to: ``what`` (a reason for ``reject``, the proof
    for ``done``, a ``caption`` for waiting photos...), about ``subject`` if any."""

    what: str
    subject: Ref | None = None


@dataclass(frozen=True)
class Incoming:
    kind: Kind
    text: str = ""  # the text, or the caption of a picture
    roles: frozenset[Role] = frozenset()
    replied_to: Ref | None = None  # what the bot message it answers is about
    replies_to_a_message: bool = False  # answers some message, known or not
    pending: Pending | None = None
    open_drafts: tuple[Ref, ...] = ()
    recent: tuple[Ref, ...] = ()  # the notifications the person got lately, newest first

    @property
    def is_picture(self) -> bool:
        return self.kind in (Kind.PHOTO, Kind.DOCUMENT)


# ---- intents ------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportRepair:
    """A new repair report (a picture with or without its caption)."""


@dataclass(frozen=True)
class EditPurchaseDraft:
    """Lines, fixes (删 2, 改 3 ...) or a supplier for the purchaser's open draft."""

    purchase_id: int


@dataclass(frozen=True)
class AttachToPurchase:
    """A receipt or certificate photo for the purchaser's open draft."""

    purchase_id: int


@dataclass(frozen=True)
class AddToRepair:
    """A picture about repair ``repair_id``: the repairer's after-photo, or (from anyone
    else) an explanation that it did not become a new report."""

    repair_id: int


@dataclass(frozen=True)
class ReplyToRepair:
    """A text answer to a repair message: 受理, 驳回 理由, 完成 说明, 验收, 返修 理由."""

    repair_id: int
    text: str


@dataclass(frozen=True)
class DecidePurchase:
    """A supervisor's answer to a purchase notification: 确认, or 驳回 理由."""

    purchase_id: int
    text: str


@dataclass(frozen=True)
class NoteOnPatrolCheck:
    """What is wrong with a ticked-wrong patrol item, in reply to the bot's question (a
    text, or a photo and its caption)."""

    check_id: int
    text: str


@dataclass(frozen=True)
class NoteOnFoodRecord:
    """A text answer to a food-safety record: a note on the 陪餐 form, or a corrected
    消毒 time."""

    record_id: int
    text: str


@dataclass(frozen=True)
class TextOnSampleDish:
    """A text answer to a 留样 photo prompt (which wants a photo, not words)."""

    entry_id: int
    text: str


@dataclass(frozen=True)
class SamplePhoto:
    """The 留样 box photo of dish entry ``entry_id``, in reply to its prompt."""

    entry_id: int


@dataclass(frozen=True)
class PartsUsed:
    """The repairer's answer to 「用了哪些材料？」 about repair ``repair_id``."""

    repair_id: int
    text: str


@dataclass(frozen=True)
class AnswerPendingPrompt:
    """The answer to the prompt the person owes (a reason, an after-photo, a caption)."""

    pending: Pending


@dataclass(frozen=True)
class NotANotification:
    """A text reply to a message the bot cannot connect to anything."""


@dataclass(frozen=True)
class Unknown:
    """Nothing here for the router; the features' own flows (or the fallback) answer."""


Intent = (
    ReportRepair
    | EditPurchaseDraft
    | AttachToPurchase
    | AddToRepair
    | ReplyToRepair
    | DecidePurchase
    | NoteOnPatrolCheck
    | NoteOnFoodRecord
    | TextOnSampleDish
    | SamplePhoto
    | PartsUsed
    | AnswerPendingPrompt
    | NotANotification
    | Unknown
)


def _about_another_repair(m: Incoming) -> bool:
    """A reply to a repair message other than the one the pending prompt is about."""
    subject = m.pending.subject if m.pending is not None else None
    return (
        m.replied_to is not None and m.replied_to.kind is RefKind.REPAIR and m.replied_to != subject
    )


def _open_purchase_draft(m: Incoming) -> int | None:
    return next((r.id for r in m.open_drafts if r.kind is RefKind.PURCHASE), None)


def route(m: Incoming) -> Intent:
    """The one intent of ``m``. Order matters: the first rule that applies wins."""
    # 0. A picture answering a patrol item's "写一句说明" prompt is that item's note, even
    #    while a purchase draft is open.
    about = m.replied_to
    if about is not None and about.kind is RefKind.PATROL_CHECK and m.is_picture:
        return NoteOnPatrolCheck(about.id, m.text.strip())
    #    Likewise a picture answering a 留样 prompt or a food-safety form.
    if about is not None and about.kind is RefKind.FOOD_SAMPLE_DISH and m.is_picture:
        return SamplePhoto(about.id)
    if about is not None and about.kind is RefKind.FOOD_RECORD and m.is_picture:
        return NoteOnFoodRecord(about.id, m.text.strip())
    # 1. A purchase draft in progress takes the purchaser's pictures and texts (a photo at
    #    the market is its receipt, not a repair report), but not an answer to a notification.
    draft = _open_purchase_draft(m)
    if draft is not None and m.is_picture:
        return AttachToPurchase(draft)
    if draft is not None and m.kind is Kind.TEXT and m.replied_to is None:
        return EditPurchaseDraft(draft)
    # 2. An owed answer comes first, unless the message answers another report's message:
    #    that is about that report, and the prompt keeps waiting.
    if m.pending is not None and not _about_another_repair(m):
        return AnswerPendingPrompt(m.pending)
    # 3. A picture answering a repair message is about that report, never a new one.
    #    (A picture answering another feature's message stays an ordinary report.)
    if about is not None and about.kind is RefKind.REPAIR:
        if m.is_picture:
            return AddToRepair(about.id)
        if m.kind is Kind.TEXT:
            return ReplyToRepair(about.id, m.text.strip())
    # 4. Text answers to the other notifications.
    if m.kind is Kind.TEXT and about is not None:
        if about.kind is RefKind.PURCHASE:
            return DecidePurchase(about.id, m.text.strip())
        if about.kind is RefKind.PATROL_CHECK:
            return NoteOnPatrolCheck(about.id, m.text.strip())
        if about.kind is RefKind.FOOD_RECORD:
            return NoteOnFoodRecord(about.id, m.text.strip())
        if about.kind is RefKind.FOOD_SAMPLE_DISH:
            return TextOnSampleDish(about.id, m.text.strip())
        if about.kind is RefKind.REPAIR_PARTS:
            return PartsUsed(about.id, m.text.strip())
    if m.kind is Kind.TEXT and m.replies_to_a_message:
        return NotANotification()
    # 5. A picture nobody is waiting for is a repair report.
    if m.is_picture:
        return ReportRepair()
    return Unknown()
