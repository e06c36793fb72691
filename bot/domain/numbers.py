"""Reading numbers that people type, bounded before any arithmetic or formatting.

``Decimal("1e999999999")`` is a perfectly valid number, and writing it out in plain digits
(to say it is too large) builds a string of a billion characters: the bot froze on one
purchase line. So the length, the exponent and the magnitude are checked on the text first;
nothing unbounded ever reaches ``Decimal`` arithmetic, ``format`` or SQLite.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MAX_NUMBER_CHARS = 32  # 1234567.891 fits many times over; a pasted wall of digits does not
MAX_EXPONENT_DIGITS = 3  # 1e5 is fine to read; 1e999999999 is refused without computing it
MAX_MAGNITUDE = 15  # |value| < 10**16 and, unless zero, >= 10**-15

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class NumberError(ValueError):
    """Not a number a person could mean; ``too_large`` tells an absurd one from a word."""

    def __init__(self, text: str, *, too_large: bool) -> None:
        super().__init__(text)
        self.too_large = too_large


def read_decimal(text: str) -> Decimal:
    """An ASCII decimal (``13.5``, ``-2``, ``1e3``) of bounded size, or NumberError."""
    value = text.strip()
    if not _DECIMAL.fullmatch(value):
        raise NumberError(text, too_large=False)
    _, _, exponent = value.lower().partition("e")
    if len(value) > MAX_NUMBER_CHARS or len(exponent.lstrip("+-")) > MAX_EXPONENT_DIGITS:
        raise NumberError(text, too_large=True)
    try:
        number = Decimal(value)
    except InvalidOperation:  # the pattern above makes this unreachable; belt and braces
        raise NumberError(text, too_large=False) from None
    if number and not -MAX_MAGNITUDE <= number.adjusted() <= MAX_MAGNITUDE:
        raise NumberError(text, too_large=True)
    return number


MIN_YEAR, MAX_YEAR = 2000, 2100  # the office's records; year 0 or 9999 would crash date()


def plausible_year(year: int) -> bool:
    """A year a record of this office can be in (``date(0, 1, 1)`` raises ValueError)."""
    return MIN_YEAR <= year <= MAX_YEAR


def clip(text: str, limit: int = 16) -> str:
    """What the user typed, short enough to quote back in a refusal."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
