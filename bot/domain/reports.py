"""The numbers of the year-end summary (年底总结): which period, and what was counted.

The seeds count things like "今年维修、更换灯管80余次，更换阀门水嘴共18只，零星维修服务115次";
a report gives the office those figures straight from the records instead of from memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from bot.domain.errors import DomainError
from bot.domain.purchases import normalise, parse_month


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive; this year's period ends today
    label: str
    whole_last: date | None = None  # the year's last day, for things published ahead (menus)

    @property
    def span_last(self) -> date:
        """The end of the whole year or month: a menu published for a coming week of the
        year counts in the year as it does in its month."""
        return self.whole_last or self.last


def parse_period(text: str, today: date) -> Period:
    """Empty: this year so far. ``2026`` / ``2026年``: a year. ``2026-11``, ``11月``, ``上月``:
    a month (never in the future)."""
    value = normalise(text)
    if not value or value in ("今年", "本年"):
        label = f"{today.year}年（截至{today:%m月%d日}）"
        return Period(date(today.year, 1, 1), today, label, date(today.year, 12, 31))
    if value in ("去年", "上年"):
        year = today.year - 1
        return Period(date(year, 1, 1), date(year, 12, 31), f"{year}年")
    year_only = re.fullmatch(r"(\d{4})年?", value)
    if year_only is not None:
        year = int(year_only[1])
        if year > today.year:
            raise DomainError(f"{year}年还没到，没有可统计的记录。")
        last = min(date(year, 12, 31), today)
        return Period(date(year, 1, 1), last, f"{year}年", date(year, 12, 31))
    try:
        year, month = parse_month(value, today)
    except DomainError:
        raise DomainError(
            f"看不懂「{text.strip()[:20]}」。请写年份或月份，如 /report 2026 或 /report 2026-11。"
        ) from None
    first = date(year, month, 1)
    if first > today:
        raise DomainError(f"{year}年{month}月还没到，没有可统计的记录。")
    next_month = date(year + month // 12, month % 12 + 1, 1)
    return Period(first, next_month - timedelta(days=1), f"{year}年{month}月")


@dataclass(frozen=True)
class RepairNumbers:
    total: int = 0
    verified: int = 0
    done: int = 0  # fixed, waiting for the reporter to verify
    open: int = 0  # not yet fixed (new, accepted, in progress, on hold)
    rejected: int = 0
    new: int = 0  # 待受理: each state counted on its own, never folded into 维修中
    accepted: int = 0
    in_progress: int = 0
    on_hold: int = 0
    from_patrols: int = 0
    by_category: dict[str, int] = field(default_factory=dict)  # category value -> count
    avg_accept_hours: float | None = None
    avg_fix_hours: float | None = None


@dataclass(frozen=True)
class PurchaseNumbers:
    confirmed: int = 0
    lines: int = 0
    amount: Decimal = Decimal("0.00")
    rejected: int = 0
    top_items: list[tuple[str, Decimal]] = field(default_factory=list)
    weights: dict[str, Decimal] = field(default_factory=dict)  # item -> 斤, all units converted


@dataclass(frozen=True)
class PatrolNumbers:
    rounds: int = 0
    on_time: int = 0
    late: int = 0
    missed: int = 0  # sent to a patroller who did not submit
    unstaffed: int = 0  # 未排班: sent to nobody (no patroller yet), not missed by anyone
    abnormal_items: int = 0


@dataclass(frozen=True)
class Summary:
    period: Period
    repairs: RepairNumbers
    purchases: PurchaseNumbers
    patrols: PatrolNumbers
    menu_weeks: int
    # issue 16: parts taken from the storeroom for repairs: (item, quantity, unit), most first
    parts_used: tuple[tuple[str, Decimal, str], ...] = ()
