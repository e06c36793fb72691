"""Which days a report covers: ``week``, ``month``, ``term``, ``year``, ``2026``, ``2026-11``,
``上月``, ``本学期`` or ``2026-09-01 2027-01-31``.

Dates here are the school's local dates; the service turns them into UTC boundaries with
BOT_TIMEZONE, so a purchase at 23:59 Beijing time belongs to that day.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.errors import DomainError
from bot.domain.numbers import plausible_year
from bot.domain.purchases import normalise, parse_month

# A term as (month, day) of its first and last day; the last may fall in the next year.
MonthDay = tuple[int, int]
Term = tuple[MonthDay, MonthDay]
DEFAULT_TERMS: tuple[Term, ...] = (((9, 1), (1, 31)), ((2, 15), (7, 10)))

USAGE = (
    "可写 /report year（今年）、term（本学期）、month（本月）、week（本周）、2026、2026-11、"
    "上月，或起止日期如 /report 2026-09-01 2027-01-31。"
)


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive; this year's or this term's period ends today
    label: str
    kind: str = "range"  # year | term | month | week | range
    whole_last: date | None = None  # the whole year's or term's last day

    @property
    def span_last(self) -> date:
        """The end of the whole year or term: a menu published ahead for a coming week of
        the year counts in the year as it does in its month."""
        return max(self.whole_last or self.last, self.last)

    @property
    def is_long(self) -> bool:
        """A year or a term: the kind of period a year-end summary (总结) is written for."""
        return self.kind in ("year", "term")

    def mondays(self) -> list[date]:
        """The Monday of every week that overlaps the period, in order."""
        monday = self.first - timedelta(days=self.first.weekday())
        weeks = []
        while monday <= self.last:
            weeks.append(monday)
            monday += timedelta(days=7)
        return weeks


def parse_terms(text: str) -> tuple[Term, ...]:
    """``09-01..01-31,02-15..07-10`` -> terms; ValueError names what is wrong."""
    terms: list[Term] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        m = re.fullmatch(r"(\d{1,2})-(\d{1,2})\s*\.\.\s*(\d{1,2})-(\d{1,2})", part)
        if m is None:
            raise ValueError(f"expected MM-DD..MM-DD, got {part!r}")
        first, last = (int(m[1]), int(m[2])), (int(m[3]), int(m[4]))
        for month, day in (first, last):
            try:
                date(2024, month, day)  # a leap year, so 02-29 is allowed
            except ValueError:
                raise ValueError(f"no such day: {month:02d}-{day:02d}") from None
        terms.append((first, last))
    if not terms:
        raise ValueError("no term given")
    return tuple(terms)


def _term_dates(term: Term, year: int) -> tuple[date, date]:
    (fm, fd), (lm, ld) = term
    first = _safe_date(year, fm, fd)
    last_year = year if (lm, ld) >= (fm, fd) else year + 1
    return first, _safe_date(last_year, lm, ld)


def _safe_date(year: int, month: int, day: int) -> date:
    """02-29 in a common year is the 28th."""
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, day - 1)


def _term_label(first: date, last: date) -> str:
    if first.month >= 8:
        return f"{first.year}—{first.year + 1}学年第一学期"
    if last.year == first.year and first.month <= 7:
        return f"{first.year - 1}—{first.year}学年第二学期"
    return f"{first:%Y年%m月%d日}—{last:%Y年%m月%d日}学期"


def _terms_before(today: date, terms: Sequence[Term]) -> list[tuple[date, date]]:
    """Concrete terms that have started by ``today``, oldest first."""
    spans = sorted(
        _term_dates(term, year) for year in range(today.year - 2, today.year + 1) for term in terms
    )
    return [span for span in spans if span[0] <= today]


def term_period(today: date, terms: Sequence[Term], back: int = 0) -> Period:
    """The current term (or, in a holiday, the one just ended); ``back=1``: the one before."""
    started = _terms_before(today, terms)
    if len(started) <= back:
        raise DomainError("没有找到这个学期。")
    first, last = started[-1 - back]
    return Period(first, min(last, today), _term_label(first, last), "term", last)


_RANGE = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*(?:\s|至|到|~|\.\.|—|--)\s*"
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
)


def _range(value: str, today: date) -> Period | None:
    m = _RANGE.fullmatch(value)
    if m is None:
        return None
    try:
        first = date(int(m[1]), int(m[2]), int(m[3]))
        last = date(int(m[4]), int(m[5]), int(m[6]))
    except ValueError:
        raise DomainError("日期不存在，请检查起止日期。") from None
    if last < first:
        raise DomainError("结束日期早于开始日期，请检查。")
    if first > today:
        raise DomainError("这段时间还没到，没有可统计的记录。")
    return Period(first, last, f"{first:%Y年%m月%d日}至{last:%Y年%m月%d日}", "range")


def parse_period(text: str, today: date, terms: Sequence[Term] = DEFAULT_TERMS) -> Period:
    """Empty or ``year``: this year so far. ``term``/``本学期``, ``上学期``; ``week``/``本周``,
    ``上周``; ``month``/``本月``; ``2026``; ``2026-11``/``11月``/``上月`` (never in the future);
    ``2026-09-01 2027-01-31``."""
    value = normalise(text).lower()
    if not value or value in ("year", "今年", "本年", "全年", "本年度"):
        label = f"{today.year}年（截至{today:%m月%d日}）"
        return Period(date(today.year, 1, 1), today, label, "year", date(today.year, 12, 31))
    if value in ("去年", "上年", "last year"):
        year = today.year - 1
        return Period(date(year, 1, 1), date(year, 12, 31), f"{year}年", "year")
    if value in ("term", "本学期", "这学期", "学期"):
        return term_period(today, terms)
    if value in ("上学期", "last term"):
        return term_period(today, terms, back=1)
    if value in ("week", "本周", "这周"):
        monday = today - timedelta(days=today.weekday())
        return Period(monday, today, f"本周（{monday:%m月%d日}起）", "week")
    if value in ("上周", "last week"):
        monday = today - timedelta(days=today.weekday() + 7)
        sunday = monday + timedelta(days=6)
        return Period(monday, sunday, f"{monday:%m月%d日}—{sunday:%m月%d日}", "week")
    if value == "month":
        value = "本月"
    year_only = re.fullmatch(r"(\d{4})年?", value)
    if year_only is not None:
        year = int(year_only[1])
        if year > today.year:
            raise DomainError(f"{year}年还没到，没有可统计的记录。")
        if not plausible_year(year):  # date(0, 1, 1) raises
            raise DomainError(f"年份「{year_only[1]}」看不懂。{USAGE}")
        last = min(date(year, 12, 31), today)
        return Period(date(year, 1, 1), last, f"{year}年", "year", date(year, 12, 31))
    span = _range(value, today)
    if span is not None:
        return span
    try:
        year, month = parse_month(value, today)
    except DomainError:
        raise DomainError(f"看不懂「{text.strip()[:20]}」。{USAGE}") from None
    first = date(year, month, 1)
    if first > today:
        raise DomainError(f"{year}年{month}月还没到，没有可统计的记录。")
    next_month = date(year + month // 12, month % 12 + 1, 1)
    return Period(first, next_month - timedelta(days=1), f"{year}年{month}月", "month")


def is_month(text: str, today: date) -> bool:
    """Whether ``text`` names one month (what the older month-only exports understand)."""
    try:
        parse_month(text, today)
    except DomainError:
        return False
    return True
