"""The chat protocol's references: what a bot message is about.

A notification the outbox sends is stored with a ``Ref`` (``repair:12``); a reply to that
message is then about repair #12. This is the one place that spells a Ref as text and reads
it back: everything else works with ``Ref(kind, id)``. Callback data (the buttons) is
encoded and decoded in ``bot/callbacks.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.ids import parse_id

ANSWER_TAG = "answer"


class RefKind(StrEnum):
    """What a bot message can be about (the stored spelling is the value)."""

    REPAIR = "repair"
    PURCHASE = "purchase"
    PATROL_ROUND = "patrol"  # a round's checklist
    PATROL_CHECK = "patrolcheck"  # one ticked-wrong item, whose note is asked for
    JOIN = "join"  # a join request through a school link, sent to the admins
    REPAIR_PARTS = "parts"  # 「用了哪些材料？」 to a repairer, about their finished repair
    FOOD_RECORD = "fs"  # a food-safety record's checklist or 陪餐 form
    FOOD_SAMPLE_DISH = "fsdish"  # the 留样 photo prompt for one dish entry
    FOOD_DISCARD = "fsdisc"  # a record's 48-hour discard notice: 已处理 settles every copy


@dataclass(frozen=True)
class Ref:
    kind: RefKind
    id: int

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"

    def as_answer(self) -> str:
        """The spelling for the bot's answer to the person who acted (「报修单 #12 已提交」,
        sent by the outbox): a reply to it is about this Ref, but taking the buttons off
        the notifications about it (which matches the exact spelling) leaves it alone."""
        return f"{self}:{ANSWER_TAG}"

    @classmethod
    def parse(cls, text: str | None) -> Ref | None:
        """The Ref a stored string names; None for anything else (unknown kind, no id)."""
        kind, _, rest = (text or "").partition(":")
        raw_id, _, tag = rest.partition(":")
        if tag not in ("", ANSWER_TAG):
            return None
        ref_id = parse_id(raw_id) if raw_id.isdigit() else None  # bounded: never overflows SQLite
        try:
            return cls(RefKind(kind), ref_id) if ref_id else None
        except ValueError:
            return None

    @classmethod
    def repair(cls, repair_id: int) -> Ref:
        return cls(RefKind.REPAIR, repair_id)

    @classmethod
    def purchase(cls, purchase_id: int) -> Ref:
        return cls(RefKind.PURCHASE, purchase_id)

    @classmethod
    def join(cls, request_id: int) -> Ref:
        return cls(RefKind.JOIN, request_id)
