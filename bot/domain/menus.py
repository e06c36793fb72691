"""周食谱: reading the canteen's menu lines into a week of days × meals.

A line reads ``周一 早餐: 包子, 豆浆, 鸡蛋``; the canteen types these on a phone, so the
parser accepts 周一…周日 / 星期一…星期日 / 星期天, full- or half-width colons and the usual
separators (、，, ；), and says why it could not read a line instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from bot.domain.errors import DomainError
from bot.domain.patrols import WEEKDAYS, parse_date

MAX_DISH_LEN = 30
MAX_DISHES = 15


class Meal(StrEnum):
    BREAKFAST = "breakfast"
    LUNCH = "lunch"
    DINNER = "dinner"

    @property
    def label(self) -> str:
        return MEAL_LABELS[self]


MEALS: tuple[Meal, ...] = (Meal.BREAKFAST, Meal.LUNCH, Meal.DINNER)
MEAL_LABELS = {Meal.BREAKFAST: "早餐", Meal.LUNCH: "午餐", Meal.DINNER: "晚餐"}
_MEAL_ALIASES = {
    "早餐": Meal.BREAKFAST,
    "早饭": Meal.BREAKFAST,
    "早点": Meal.BREAKFAST,
    "早": Meal.BREAKFAST,
    "午餐": Meal.LUNCH,
    "午饭": Meal.LUNCH,
    "中餐": Meal.LUNCH,
    "中饭": Meal.LUNCH,
    "中午": Meal.LUNCH,
    "午": Meal.LUNCH,
    "晚餐": Meal.DINNER,
    "晚饭": Meal.DINNER,
    "晚": Meal.DINNER,
}
_DAY_CHARS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}

_LINE_RE = re.compile(
    r"^(?P<day>(?:周|星期|礼拜)(?P<n>[一二三四五六日天七]))?\s*"
    r"(?P<meal>早餐|早饭|早点|午餐|午饭|中餐|中饭|晚餐|晚饭|中午|早|午|晚)?\s*"
    r"(?P<colon>[:：])?\s*(?P<rest>.*)$"
)
_SPLIT_RE = re.compile(r"[,，、;；/]+|\s{1,}")
_DATE_IN_LINE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?")

Entries = dict[tuple[int, Meal], tuple[str, ...]]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def next_monday(today: date) -> date:
    return monday_of(today) + timedelta(days=7)


@dataclass(frozen=True)
class LineProblem:
    line_no: int
    line: str
    reason: str


@dataclass(frozen=True)
class ParsedMenu:
    week: date  # the Monday
    entries: Entries
    problems: tuple[LineProblem, ...] = ()


@dataclass
class MenuWeek:
    """A saved week; ``entries`` maps (weekday 0..6, meal) to dish names."""

    week: date
    entries: Entries = field(default_factory=dict)

    def day(self, weekday: int) -> dict[Meal, tuple[str, ...]]:
        return {m: self.entries[(weekday, m)] for m in MEALS if (weekday, m) in self.entries}

    @property
    def days(self) -> list[int]:
        """Weekdays that have at least one meal, Monday first."""
        return sorted({d for d, _ in self.entries})

    @property
    def empty(self) -> bool:
        return not self.entries


def split_dishes(text: str) -> tuple[str, ...]:
    return tuple(d.strip() for d in _SPLIT_RE.split(text) if d.strip())


def parse_menu(text: str, today: date) -> ParsedMenu:
    """Read ``/setmenu`` lines into a week. An optional date on the first line picks its
    week; otherwise the menu is for next week. A later line for the same day and meal
    replaces an earlier one, and says so."""
    lines = [ln.strip() for ln in text.splitlines()]
    week = next_monday(today)
    problems: list[LineProblem] = []
    entries: Entries = {}
    seen_at: dict[tuple[int, Meal], int] = {}
    first_content = True
    for no, line in enumerate(lines, start=1):
        if not line:
            continue
        if first_content:
            first_content = False
            found = _DATE_IN_LINE.search(line)
            if found and not _LINE_RE.match(line)["day"]:  # type: ignore[index]
                try:
                    week = monday_of(parse_date(found.group(0)))
                except DomainError as err:
                    # Not a week to fall back from: saving would overwrite next week instead.
                    message = f"第 {no} 行的日期有误：{err.message}请改正后重发。"
                    raise DomainError(message) from None
                continue
        parsed = _parse_line(line)
        if isinstance(parsed, str):
            problems.append(LineProblem(no, line, parsed))
            continue
        key, dishes = parsed
        if key in seen_at:
            problems.append(
                LineProblem(no, line, f"第 {seen_at[key]} 行已写过{_key_label(key)}，以这一行为准")
            )
        seen_at[key] = no
        entries[key] = dishes
    return ParsedMenu(week, entries, tuple(problems))


def _key_label(key: tuple[int, Meal]) -> str:
    return f"{WEEKDAYS[key[0]]}{key[1].label}"


def _parse_line(line: str) -> tuple[tuple[int, Meal], tuple[str, ...]] | str:
    m = _LINE_RE.match(line)
    assert m is not None  # every group is optional
    if not m["day"]:
        return "没有写星期几（周一…周日）"
    if not m["meal"]:
        return "没有写早餐、午餐还是晚餐"
    dishes = split_dishes(m["rest"])
    if not dishes:
        return "没有写菜名"
    if not m["colon"] and m["rest"] and not line[m.start("rest") - 1].isspace():
        return "星期和餐次后面请加冒号，例如：周一 早餐: 包子, 豆浆"
    if len(dishes) > MAX_DISHES:
        return f"一餐最多 {MAX_DISHES} 个菜"
    long = [d for d in dishes if len(d) > MAX_DISH_LEN]
    if long:
        return f"菜名太长：{long[0][:10]}…"
    return (_DAY_CHARS[m["n"]], _MEAL_ALIASES[m["meal"]]), dishes


def merge(entries: Iterable[tuple[int, Meal, tuple[str, ...]]]) -> Entries:
    return {(d, m): dishes for d, m, dishes in entries}


def parse_menu_arg(arg: str | None, today: date) -> tuple[str, date]:
    """``/menu``, ``/menu next``, ``/menu today`` (also 下周 / 今天)."""
    key = (arg or "").strip().lower()
    if key in ("", "this", "本周", "这周"):
        return "week", monday_of(today)
    if key in ("next", "下周"):
        return "week", next_monday(today)
    if key in ("today", "今天", "今日"):
        return "today", today
    if key in ("tomorrow", "明天"):
        return "today", today + timedelta(days=1)
    raise DomainError("用法：/menu（本周）、/menu next（下周）、/menu today（今天）")
