"""Numbers typed by users are bounded before anything computes with them or prints them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.domain.errors import DomainError
from bot.domain.ids import NO_SUCH_ID, parse_id
from bot.domain.numbers import NumberError, read_decimal
from bot.domain.patrols import month_range
from bot.domain.purchases import parse_line, parse_lines, parse_month
from bot.domain.reports import parse_period


@pytest.mark.parametrize(
    ("text", "value"),
    [("13.5", "13.5"), ("-2", "-2"), ("1e3", "1000"), (".5", "0.5"), ("0", "0"), ("20.", "20")],
)
def test_ordinary_numbers_are_read_exactly(text: str, value: str) -> None:
    assert read_decimal(text) == Decimal(value)


@pytest.mark.parametrize(
    "text", ["1e999999999", "1E+1000", "9" * 40, "1e-999999999", "1e20", "0.0000000000000000001"]
)
def test_absurd_numbers_are_refused_as_too_large(text: str) -> None:
    with pytest.raises(NumberError) as caught:
        read_decimal(text)
    assert caught.value.too_large


@pytest.mark.parametrize("text", ["abc", "NaN", "Infinity", "1,5", "١٢", "1e", "--1", ""])
def test_words_and_foreign_digits_are_not_numbers(text: str) -> None:
    with pytest.raises(NumberError) as caught:
        read_decimal(text)
    assert not caught.value.too_large


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12), ("#12", 12), (" 7 ", 7), ("0", NO_SUCH_ID), ("²", None), ("-3", None),
     ("99999999999999999999", NO_SUCH_ID), ("9223372036854775807", NO_SUCH_ID), ("1e3", None),
     ("", None)],
)  # fmt: skip
def test_record_numbers_are_ascii_and_too_big_ones_find_nothing(
    text: str, value: int | None
) -> None:
    # None: not a number (say how to write it); NO_SUCH_ID: a number no record has.
    assert parse_id(text) == value


def test_purchase_line_with_an_astronomic_quantity_is_refused_at_once() -> None:
    """The line that froze the bot (memory past 4 GB formatting the number in full)."""
    with pytest.raises(DomainError) as caught:
        parse_line("猪肉 1e999999999斤 1")
    assert caught.value.message == "数量「1e999999999」太大了，请检查"


def test_purchase_line_with_an_astronomic_price_is_refused_at_once() -> None:
    with pytest.raises(DomainError) as caught:
        parse_line("猪肉 20斤 1e999999999元")
    assert "太大了" in caught.value.message
    assert len(caught.value.message) < 40


def test_a_wall_of_digits_is_quoted_back_short() -> None:
    with pytest.raises(DomainError) as caught:
        parse_line(f"猪肉 {'9' * 3000}斤 1")
    assert len(caught.value.message) < 40


def test_a_flood_of_chinese_numerals_is_not_a_quantity() -> None:
    parsed = parse_lines(f"猪肉 {'万' * 3000}斤 1")
    assert not parsed.lines
    assert "看不懂" in parsed.bad[0].reason


def test_tiny_exponents_are_refused_too() -> None:
    with pytest.raises(DomainError):
        parse_line("猪肉 1e-999999999斤 1")


@pytest.mark.parametrize("text", ["0000", "0000-01", "1999-12", "9999-12"])
def test_years_no_record_can_be_in_are_refused_not_crashed_on(text: str) -> None:
    """date(0, 1, 1) raises ValueError: /report 0000 used to answer 出了点问题."""
    today = date(2026, 11, 23)
    for parse in (lambda s: parse_period(s, today), lambda s: month_range(s, today), parse_month):
        with pytest.raises(DomainError):
            parse(text)
