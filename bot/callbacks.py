"""The callback_data codec: ASCII ``ns:action:arg[:arg...]``, at most 64 bytes.

Callback data comes from the client and is never trusted: ``decode`` returns None for
anything malformed, and handlers still check the role and the current state of the thing
the button is about (a button may be tapped days later, after a restart).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.ids import parse_id

_PART = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")
MAX_BYTES = 64


@dataclass(frozen=True)
class Callback:
    ns: str
    action: str
    args: tuple[str, ...] = ()

    def int_arg(self, index: int = 0) -> int | None:
        """The ``index``-th argument as a positive int, or None if missing or forged."""
        if index >= len(self.args):
            return None
        return parse_id(self.args[index]) or None  # too big to exist: forged


def encode(ns: str, action: str, *args: object) -> str:
    parts = [ns, action, *(str(a) for a in args)]
    for part in parts:
        if not _PART.match(part):
            raise ValueError(f"callback part not allowed: {part!r}")
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> Callback | None:
    if not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) < 2 or not all(_PART.match(p) for p in parts):
        return None
    return Callback(parts[0], parts[1], tuple(parts[2:]))


def pattern(ns: str) -> str:
    """The CallbackQueryHandler pattern for one namespace."""
    return rf"^{re.escape(ns)}:"
