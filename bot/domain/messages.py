"""Framework-free descriptions of what the bot sends, so services can queue messages
without importing telegram. ``bot/telegram/keyboards.py`` turns Buttons into markup.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import IntEnum


class Lane(IntEnum):
    """Which queue a message waits in. Answers to the person who just wrote or tapped (and
    what their action tells the people it concerns) go ahead of bulk work: scheduled pushes
    (menus, patrol rounds, postings, reminders) and refreshes of other people's copies of a
    shared card, which are paced below Telegram's limits so that a 429 holds only them."""

    REPLY = 0
    BULK = 1


# Rows of (label, callback_data). callback_data is built with bot.callbacks.button.
Buttons = list[list[tuple[str, str]]]


@dataclass(frozen=True)
class Photo:
    """A picture to send: a Telegram file_id if we have one, else a file under BOT_DATA_DIR."""

    file_id: str | None = None
    path: str | None = None  # relative to BOT_DATA_DIR

    def __post_init__(self) -> None:
        if not self.file_id and not self.path:
            raise ValueError("Photo needs a file_id or a path")


@dataclass(frozen=True)
class OutMessage:
    """One notification. ``photos`` with one item -> sendPhoto with caption and buttons;
    several -> an album followed by the text with buttons (albums cannot carry buttons)."""

    text: str
    buttons: Buttons = field(default_factory=list)
    photos: tuple[Photo, ...] = ()
    document_path: str | None = None  # relative to BOT_DATA_DIR
    document_name: str | None = None
    # A reply keyboard (big buttons under the input field, rows of labels); only used on a
    # message without inline buttons, e.g. the welcome after an admin approved someone.
    keyboard: tuple[tuple[str, ...], ...] = ()
    # What this card says once someone has handled it (its call to action gone), to which
    # "已由 X 确认" is added: every copy is edited to that final state, so no handled card
    # still says 「待确认」 or 「点「受理」派工」. None: the buttons are taken off, and the
    # note is sent under the card.
    settled: str | None = None

    @property
    def carries_caption(self) -> bool:
        """Sent as one photo with its text as caption (buttons on the photo)."""
        return len(self.photos) == 1 and not self.document_path and len(self.text) <= CAPTION_LIMIT


TEXT_LIMIT = 4096  # Telegram refuses a longer message ("message is too long")
CAPTION_LIMIT = 1024  # ... and a longer photo caption


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a long text into messages Telegram accepts, at line breaks so that HTML tags
    (which our texts keep within one line) stay whole; a single overlong line is cut hard."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current.strip():
        chunks.append(current)
    return chunks


# ---- a card kept up to date in place ----------------------------------------------------
CARD_EDITS_IN_PLACE = 5  # after this many edits the card has likely scrolled off the screen


def text_digest(text: str) -> str:
    """A short stable fingerprint of a message's text (``hash()`` changes per process)."""
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class ShownCard:
    """A card the bot keeps current in one chat (the purchaser's draft preview): which
    thing it shows, its messages (a long text takes several), a digest of each one's text
    and how many times it has been edited where it stands."""

    key: int
    message_ids: tuple[int, ...]
    digests: tuple[str, ...]
    edits: int = 0


@dataclass(frozen=True)
class CardUpdate:
    """How to bring a card to its new text: edit some of its messages where they stand, or
    send it anew at the bottom of the chat and remove the old messages."""

    edit: tuple[tuple[int, str], ...] = ()  # (message id, new text) of the parts that changed
    send: tuple[str, ...] = ()
    remove: tuple[int, ...] = ()


def update_card(
    shown: ShownCard | None, key: int, parts: list[str], *, move_down: bool = False
) -> CardUpdate:
    """Edit in place while the card is still in view: same thing, same number of messages,
    edited only a few times since it was sent. Otherwise (or when the person should see it
    at once: a problem to fix, a new /purchase) it moves down: sent anew, old copy removed,
    so that the chat holds one card, never a trail of them."""
    if (
        shown is None
        or shown.key != key
        or len(shown.message_ids) != len(parts)
        or shown.edits >= CARD_EDITS_IN_PLACE
        or move_down
    ):
        return CardUpdate(send=tuple(parts), remove=shown.message_ids if shown else ())
    changed = tuple(
        (message_id, text)
        for message_id, digest, text in zip(shown.message_ids, shown.digests, parts, strict=True)
        if digest != text_digest(text)
    )
    return CardUpdate(edit=changed)
