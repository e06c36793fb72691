"""Telegram's HTML parse mode, strictly: what the real server refuses, the fake refuses too.

Modelled on the parser in tdlib (``parse_html``), whose error texts Telegram returns as
``400 Bad Request: can't parse entities: ...``:

- any ``<`` opens a tag: a bare ``<`` (an unescaped ``a<b`` from a user) is an
  unsupported start tag, and a ``<b`` that never reaches ``>`` is an unclosed start tag;
- only the tags Telegram knows; ``<span>`` only as ``class="tg-spoiler"``;
- every end tag must close the innermost open tag, and every open tag must be closed;
- ``&`` starts an entity only when it is one Telegram knows (``&lt; &gt; &amp; &quot;`` and
  numeric ones); any other ``&`` is literal text, as in Telegram.

A bot that escapes every user string with ``html.escape`` never trips any of these.
"""

from __future__ import annotations

import re

ALLOWED_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
     "tg-spoiler", "span", "blockquote", "tg-emoji"}
)  # fmt: skip
_ATTRIBUTE = re.compile(r"""\s*([A-Za-z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def _offset(text: str, index: int) -> int:
    """Telegram reports byte offsets in UTF-8."""
    return len(text[:index].encode())


def html_error(text: str) -> str | None:
    """Telegram's description of why ``text`` is not valid HTML parse mode, or None."""
    prefix = "Bad Request: can't parse entities: "
    open_tags: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch != "<":
            i += 1
            continue
        begin = i
        name_end = i + 1
        while name_end < n and not text[name_end].isspace() and text[name_end] != ">":
            name_end += 1
        if name_end == n:
            return f"{prefix}Unclosed start tag at byte offset {_offset(text, begin)}"
        if not text[i + 1 : name_end].startswith("/") and (
            text[i + 1 : name_end].lower() not in ALLOWED_TAGS
        ):  # tdlib names the tag before looking for its end: "a < b" fails here
            return (
                f'{prefix}Unsupported start tag "{text[i + 1 : name_end].lower()}" '
                f"at byte offset {_offset(text, begin)}"
            )
        close = text.find(">", name_end)
        if close < 0:
            return f"{prefix}Unclosed start tag at byte offset {_offset(text, begin)}"
        inner = text[i + 1 : close]
        i = close + 1
        if inner.startswith("/"):
            name = inner[1:].strip().lower()
            if not open_tags:
                return f"{prefix}Unexpected end tag at byte offset {_offset(text, begin)}"
            expected = open_tags.pop()
            if name != expected:
                return (
                    f"{prefix}Unmatched end tag at byte offset {_offset(text, begin)}, "
                    f'expected "</{expected}>", found "</{name}>"'
                )
            continue
        name, rest = inner[: name_end - begin - 1].lower(), inner[name_end - begin - 1 :]
        attributes = {
            m[1].lower(): m[2] or m[3] or m[4] or "" for m in _ATTRIBUTE.finditer(rest) if m[1]
        }
        if name == "span" and attributes.get("class") != "tg-spoiler":
            where = _offset(text, begin)
            return f'{prefix}Tag "span" must have class "tg-spoiler" at byte offset {where}'
        open_tags.append(name)
    if open_tags:
        return f'{prefix}Can\'t find end tag corresponding to start tag "{open_tags[-1]}"'
    return None
