"""Finding an invite code in what a newcomer typed or pasted: the link itself
(``https://t.me/<bot>?start=CODE``), ``/start CODE``, or the bare code."""

from __future__ import annotations

import re

_LINK = re.compile(r"t\.me/(?P<bot>\w+)\?start=(?P<code>[A-Za-z0-9_-]{16,64})")
_START = re.compile(r"^/start(@\w+)?\s+(?P<code>[A-Za-z0-9_-]{16,64})\s*$")
# secrets.token_urlsafe(24) gives 32 characters; older codes have the same shape.
_BARE = re.compile(r"^[A-Za-z0-9_-]{32}$")


def find_code(text: str | None, bot_username: str | None = None) -> str | None:
    """The code in ``text``, or None. A link to another bot is not ours."""
    if not text:
        return None
    text = text.strip()
    link = _LINK.search(text)
    if link is not None:
        if bot_username and link.group("bot").lower() != bot_username.lower():
            return None
        return link.group("code")
    start = _START.match(text)
    if start is not None:
        return start.group("code")
    # A bare code must contain a digit or a symbol: a 32-letter English word is not a code.
    if _BARE.match(text) and not text.isalpha():
        return text
    return None
