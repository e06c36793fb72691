"""What the bot remembers about one person between their messages (PTB's ``user_data``),
as a typed dataclass instead of a dict with string keys: ``context.user_data.repair_pending``.

It is stored as JSON in the SQLite persistence under the keys older versions used
(``rp_pending``, ``purchase_reject`` ...), so state saved before this class existed still
loads, and a key this version does not know is kept as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass
class UserState:
    # A follow-up input the person owes a repair: {"kind", "at", "id"?, "photos"?}.
    repair_pending: dict[str, Any] | None = None
    # Albums of a repair report still arriving: media_group_id -> {"photos", "caption",
    # "chat_id"}.
    repair_albums: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The guided /repair draft: {"photos", "location", "description", "category", ...}.
    repair_guided: dict[str, Any] | None = None
    # An after-photo album that already finished a job: media_group_id -> repair id.
    repair_after_albums: dict[str, int] = field(default_factory=dict)
    # A captioned photo waiting for "这是报修吗？": {"photos", "caption", "chat_id"}.
    repair_maybe: dict[str, Any] | None = None
    # A text offered as a repair report: {"text", "at", "photo": waiting for a photo}.
    repair_offer: dict[str, Any] | None = None
    # The purchaser's draft preview, kept current in place: {"purchase", "ids", "digests",
    # "edits"} (handlers/purchases/preview.py).
    purchase_preview: dict[str, Any] | None = None
    # Photos waiting for "票据 or 合格证?", by the token in the question's buttons.
    purchase_photos: dict[str, Any] = field(default_factory=dict)
    # The kind a captioned album photo gave its album: {"group", "kind"}.
    purchase_album: dict[str, Any] | None = None
    # The purchase a supervisor was asked a rejection reason for: {"id", "at"}.
    purchase_reject: dict[str, Any] | None = None
    # An admin said /roster: the next file they send is the roster.
    roster_waiting: bool = False
    # A QR sticker was scanned: the next photo is the report at that place: {"place", "at"};
    # once filed, the rest of its album: {"repair", "group", "at"}.
    place_report: dict[str, Any] | None = None
    # The storeroom item tapped to requisition, owing how many / what for: {"item", "at"}.
    stock_chosen: dict[str, Any] | None = None
    # The asset ticked 缺失/损坏 in a stocktake, whose note or photo may follow:
    # {"st", "asset", "at"}.
    asset_note: dict[str, Any] | None = None
    # Keys of the stored JSON this version does not know: kept, not lost.
    unknown: dict[str, Any] = field(default_factory=dict)

    # field -> the key in the stored JSON (the names older versions used), and its shape
    JSON_KEYS: ClassVar[dict[str, tuple[str, type]]] = {
        "repair_pending": ("rp_pending", dict),
        "repair_albums": ("rp_albums", dict),
        "repair_guided": ("rp_guided", dict),
        "repair_after_albums": ("rp_after", dict),
        "repair_maybe": ("rp_maybe", dict),
        "repair_offer": ("rp_offer", dict),
        "purchase_preview": ("purchase_preview", dict),
        "purchase_photos": ("purchase_photos", dict),
        "purchase_album": ("purchase_album", dict),
        "purchase_reject": ("purchase_reject", dict),
        "roster_waiting": ("roster_waiting", bool),
        "place_report": ("pl_report", dict),
        "stock_chosen": ("st_item", dict),
        "asset_note": ("as_note", dict),
    }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UserState:
        """Old or new JSON; a value of the wrong shape is dropped (it was unusable anyway)."""
        state = cls()
        for name, (key, shape) in cls.JSON_KEYS.items():
            value = data.get(key)
            if isinstance(value, shape):
                setattr(state, name, value)
        known = {key for key, _ in cls.JSON_KEYS.values()}
        state.unknown = {k: v for k, v in data.items() if k not in known}
        return state

    def to_json(self) -> dict[str, Any]:
        data = dict(self.unknown)
        for name, (key, _) in self.JSON_KEYS.items():
            value = getattr(self, name)
            if value is not None and value != {} and value is not False:
                data[key] = value
        return data
