"""Reading /setmenu lines into a week."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.errors import DomainError
from bot.domain.menus import Meal, parse_menu, parse_menu_arg

SUN = date(2026, 11, 22)  # a Sunday
NEXT_MON = date(2026, 11, 23)


def test_lines_in_every_spelling_are_read_into_next_week() -> None:
    parsed = parse_menu(
        "周一 早餐: 包子, 豆浆, 鸡蛋\n"
        "星期一 午餐：红烧肉，炒青菜、米饭\n"
        "星期天 晚餐:面条;小菜\n"
        "周三晚餐： 饺子",
        SUN,
    )
    assert parsed.week == NEXT_MON
    assert parsed.problems == ()
    assert parsed.entries == {
        (0, Meal.BREAKFAST): ("包子", "豆浆", "鸡蛋"),
        (0, Meal.LUNCH): ("红烧肉", "炒青菜", "米饭"),
        (6, Meal.DINNER): ("面条", "小菜"),
        (2, Meal.DINNER): ("饺子",),
    }


def test_date_on_first_line_picks_the_week() -> None:
    parsed = parse_menu("2026-12-09\n周二 午餐: 米饭", SUN)
    assert parsed.week == date(2026, 12, 7)
    assert parsed.entries == {(1, Meal.LUNCH): ("米饭",)}


def test_unreadable_lines_are_reported_with_a_reason() -> None:
    parsed = parse_menu("周一 早餐: 包子\n早餐: 油条\n周二: 米饭\n周八 午餐: 面\n周三 午餐:", SUN)
    assert parsed.entries == {(0, Meal.BREAKFAST): ("包子",)}
    reasons = {p.line_no: p.reason for p in parsed.problems}
    assert "星期" in reasons[2]
    assert "早餐、午餐还是晚餐" in reasons[3]
    assert 4 in reasons
    assert "菜名" in reasons[5]


def test_same_meal_twice_keeps_the_later_line_and_says_so() -> None:
    parsed = parse_menu("周一 早餐: 包子\n周一 早餐: 油条", SUN)
    assert parsed.entries == {(0, Meal.BREAKFAST): ("油条",)}
    assert "第 1 行" in parsed.problems[0].reason


def test_menu_argument() -> None:
    assert parse_menu_arg(None, SUN) == ("week", date(2026, 11, 16))
    assert parse_menu_arg("next", SUN) == ("week", NEXT_MON)
    assert parse_menu_arg("today", SUN) == ("today", SUN)
    with pytest.raises(DomainError):
        parse_menu_arg("yesterday", SUN)
