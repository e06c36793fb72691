"""Reading a time of day the way people write it: ``7:00``, ``07:00``, ``21:30:00``, ``7：00``."""

from __future__ import annotations

import re
from datetime import time

_TIME = re.compile(r"\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?\s*")


def read_time_of_day(text: str) -> time | None:
    """The time, or None when ``text`` is not a time of day (each caller words its refusal)."""
    m = _TIME.fullmatch(text)
    if not m:
        return None
    h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
    if h > 23 or mi > 59 or s > 59:
        return None
    return time(h, mi, s)
