"""Framework-free descriptions of what the bot sends, so services can queue messages
without importing telegram. ``handlers/keyboards.py`` turns Buttons into markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Rows of (label, callback_data). callback_data is built with bot.callbacks.encode.
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
