"""Ids typed by people or carried in button data (``/repair 12``, ``repair:12``).

SQLite integers stop at 2**63-1 and Python hands a bigger one to it as an OverflowError,
so a number too big to be one of our ids must never reach a query as itself.
"""

from __future__ import annotations

MAX_ID = 2**53  # far beyond any id we make, and still exact in JSON
NO_SUCH_ID = 0  # our ids start at 1: looking this one up finds nothing, politely


def parse_id(text: str) -> int | None:
    """The id in ``text`` ("12", "#12"): None if it is not a number at all (say how to
    write it), ``NO_SUCH_ID`` if it is too big to exist (say it was not found)."""
    raw = text.strip().removeprefix("#")
    if not raw or not raw.isascii() or not raw.isdigit():
        return None
    if len(raw) > 16 or int(raw) >= MAX_ID:
        return NO_SUCH_ID
    return int(raw)
