"""The numbers of the year-end summary (年底总结), computed from the period's records.

The seeds count things like "今年维修、更换灯管80余次，更换阀门水嘴共18只，零星维修服务115次";
a report gives the office those figures straight from the records instead of from memory.
Storage reads the period's records once (``Records``); ``compute`` turns them into a
``Report``, and the text, the chart picture, the .docx and the .xlsx summary all read that
one ``Report``, so every number agrees everywhere.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from bot.domain.periods import DEFAULT_TERMS, Period, parse_period
from bot.domain.purchase_kinds import CategoryMap, purchase_category
from bot.domain.purchases import weight_total
from bot.domain.repairs import Category, RepairState

__all__ = [
    "DEFAULT_TERMS",
    "PartUsed",
    "Period",
    "Records",
    "Report",
    "compute",
    "parse_period",
]

HOUR = timedelta(hours=1)

# ---------------------------------------------------------------- places

_BUILDING = re.compile(
    r"^(.*?(?:教学楼|办公楼|实验楼|综合楼|宿舍楼|图书馆|体育馆|礼堂|食堂|宿舍|操场|大门|门卫"
    r"|[A-Za-z\d一二三四五六七八九十]+(?:号楼|栋|幢|座)|[^\d一二三四五六七八九十层]+楼))"
)
NO_BUILDING = "未注明"


def building_of(location: str) -> str:
    """The building a place is in: "教学楼302教室" -> 教学楼, "5号楼3层" -> 5号楼,
    "二楼男厕所" (a floor, no building) -> 未注明."""
    m = _BUILDING.match(location.replace(" ", ""))
    if m is None:
        return NO_BUILDING
    return m[1][:12]


# ---------------------------------------------------------------- statistics


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks (what Excel's PERCENTILE.INC gives), so
    the office can check a figure against the exported sheet."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * fraction
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole


# ---------------------------------------------------------------- records (read once)


# Not frozen: a frozen dataclass takes three times as long to make, and a year's report
# makes thousands of these (read-only by convention: nothing changes a record).
@dataclass(slots=True)
class RepairRecord:
    id: int
    created_at: datetime
    location: str
    location_key: str
    category: str
    urgency: str
    state: str
    reporter_name: str
    assignee_name: str | None
    accepted_at: datetime | None
    done_at: datetime | None
    description: str
    from_patrol: bool
    reopen_count: int = 0

    @property
    def accept_hours(self) -> float | None:
        if self.accepted_at is None:
            return None
        return (self.accepted_at - self.created_at) / HOUR

    @property
    def fix_hours(self) -> float | None:
        """From 受理 to 完成: the repairer's part, the clock the escalation rules run."""
        if self.done_at is None or self.accepted_at is None:
            return None
        return (self.done_at - self.accepted_at) / HOUR


@dataclass(slots=True)  # not frozen, as above
class PurchaseLineRecord:
    purchase_id: int
    day: date
    state: str  # confirmed | rejected
    item: str
    quantity: Decimal
    unit: str
    unit_key: str
    unit_price: Decimal
    amount: Decimal
    supplier: str
    purchaser_name: str
    confirmed_by_name: str | None
    confirmed_at: datetime | None
    reject_reason: str | None
    posted: bool = False  # shown in the public 公示 posting


@dataclass(slots=True)  # not frozen, as above
class PatrolRoundRecord:
    id: int
    day: date
    slot: str
    state: str  # sent | reminded | submitted | late | missed
    scheduled_at: datetime
    submitted_at: datetime | None
    submitted_by: str | None
    abnormal: int
    repairs: int  # abnormal items that became repair reports
    repairs_done: int  # ... that are now fixed (完成 or 已验收)
    staffed: bool = True  # sent to someone; a round sent to nobody is nobody's 漏检

    @property
    def unstaffed(self) -> bool:
        """未排班: sent to nobody (no patroller yet) and not submitted by anyone."""
        return not self.staffed and self.state not in ("submitted", "late")


@dataclass(frozen=True)
class MenuWeekRecord:
    monday: date
    on_time: bool  # pushed on the Sunday before (the menu existed in time)


@dataclass(frozen=True)
class PartUsed:
    """Parts taken from the storeroom for the period's repairs (issue 16), one per item."""

    item: str
    quantity: Decimal
    unit: str


@dataclass(frozen=True)
class Records:
    period: Period
    repairs: list[RepairRecord]
    purchase_lines: list[PurchaseLineRecord]
    rounds: list[PatrolRoundRecord]
    menu_weeks: list[MenuWeekRecord]
    parts_used: list[PartUsed] = field(default_factory=list)  # most used first


@dataclass(frozen=True)
class Targets:
    """Hours within which a repair should be accepted / finished (BOT_REPAIR_ESCALATION)."""

    urgent_accept: float = 1
    normal_accept: float = 24
    urgent_done: float = 48
    normal_done: float = 168

    def accept(self, urgency: str) -> float:
        return self.urgent_accept if urgency == "urgent" else self.normal_accept

    def done(self, urgency: str) -> float:
        return self.urgent_done if urgency == "urgent" else self.normal_done


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class Place:
    location: str
    count: int
    category: str | None = None  # for repeat faults


@dataclass(frozen=True)
class RepairStats:
    total: int = 0
    by_state: dict[str, int] = field(default_factory=dict)  # RepairState value -> count
    by_category: dict[str, int] = field(default_factory=dict)  # label -> count, not rejected
    by_building: dict[str, int] = field(default_factory=dict)
    accepted: int = 0
    accepted_in_time: int = 0
    finished: int = 0
    finished_in_time: int = 0
    accept_median: float | None = None
    accept_p90: float | None = None
    fix_median: float | None = None
    fix_p90: float | None = None
    top_places: list[Place] = field(default_factory=list)
    repeat_faults: list[Place] = field(default_factory=list)
    reopened: int = 0
    from_patrols: int = 0
    parts_used: list[PartUsed] = field(default_factory=list)  # 「更换灯管 84根」, most first

    def state(self, state: RepairState) -> int:
        return self.by_state.get(state.value, 0)

    @property
    def state_verified(self) -> int:
        return self.state(RepairState.VERIFIED)

    @property
    def state_done(self) -> int:
        """Fixed, waiting for the reporter's 验收."""
        return self.state(RepairState.DONE)

    @property
    def state_rejected(self) -> int:
        return self.state(RepairState.REJECTED)

    @property
    def open(self) -> int:
        """Not yet fixed: 待受理, 已受理, 维修中, 搁置."""
        waiting = (RepairState.NEW, RepairState.ACCEPTED, RepairState.IN_PROGRESS)
        return sum(self.state(s) for s in (*waiting, RepairState.ON_HOLD))

    @property
    def accept_rate(self) -> float | None:
        return percent(self.accepted_in_time, self.accepted)

    @property
    def finish_rate(self) -> float | None:
        return percent(self.finished_in_time, self.finished)


@dataclass(frozen=True)
class PriceTrend:
    item: str
    unit: str
    times: int  # how many purchase lines
    points: list[tuple[str, Decimal]]  # (bucket label, average unit price)

    @property
    def first(self) -> Decimal:
        return self.points[0][1]

    @property
    def last(self) -> Decimal:
        return self.points[-1][1]

    @property
    def change(self) -> float | None:
        if len(self.points) < 2 or self.first == 0:
            return None
        return float((self.last - self.first) / self.first * 100)


@dataclass(frozen=True)
class Rejection:
    purchase_id: int
    day: date
    amount: Decimal
    reason: str


@dataclass(frozen=True)
class PurchaseStats:
    confirmed: int = 0
    posted: int = 0  # of the confirmed purchases, how many were in the public posting
    lines: int = 0
    amount: Decimal = Decimal("0.00")
    by_category: dict[str, Decimal] = field(default_factory=dict)
    by_supplier: dict[str, Decimal] = field(default_factory=dict)
    top_items: list[tuple[str, Decimal]] = field(default_factory=list)
    weights: dict[str, Decimal] = field(default_factory=dict)  # top item -> 斤, units converted
    price_trends: list[PriceTrend] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


@dataclass(frozen=True)
class PatrolStats:
    rounds: int = 0
    on_time: int = 0
    late: int = 0
    missed: int = 0  # sent to a patroller who did not submit
    unstaffed: int = 0  # 未排班: sent to nobody, not missed by anyone
    open: int = 0  # sent, not yet submitted or missed
    abnormal: int = 0
    repairs: int = 0
    repairs_done: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return percent(self.on_time, self.rounds - self.open - self.unstaffed)


@dataclass(frozen=True)
class MenuStats:
    weeks: int = 0  # weeks (Mondays) in the period, and those of its span published ahead
    published: int = 0
    on_time: int = 0
    late: int = 0  # weeks of the period (so far) whose menu was not out by the Sunday push


@dataclass(frozen=True)
class Weekly:
    """Per-week series for the charts; ``mondays[i]`` labels every list's ``[i]``."""

    mondays: list[date] = field(default_factory=list)
    repairs: list[int] = field(default_factory=list)
    spend: list[Decimal] = field(default_factory=list)
    on_time: list[int] = field(default_factory=list)
    late: list[int] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    period: Period
    repairs: RepairStats
    purchases: PurchaseStats
    patrols: PatrolStats
    menus: MenuStats
    weekly: Weekly


TOP_PLACES = 5
TOP_ITEMS = 5
TRENDS = 10
REPEAT_AT = 2  # the same fault at the same place this many times is a repeat fault


def _category_label(value: str) -> str:
    try:
        return Category(value).label
    except ValueError:
        return value


def _ranked(counter: dict[str, int] | Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _ranked_money(totals: dict[str, Decimal]) -> dict[str, Decimal]:
    return dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))


def repair_stats(
    repairs: Sequence[RepairRecord], targets: Targets, parts: Sequence[PartUsed] = ()
) -> RepairStats:
    by_state: Counter[str] = Counter()
    accept: list[float] = []
    fix: list[float] = []
    accepted_in_time = finished_in_time = 0
    categories: Counter[str] = Counter()
    locations: Counter[str] = Counter()
    places: Counter[str] = Counter()
    shown: dict[str, str] = {}
    faults: Counter[tuple[str, str]] = Counter()
    # One pass: a year has thousands of reports, and each hour figure is worked out once.
    for r in repairs:
        by_state[r.state] += 1
        if (h := r.accept_hours) is not None:
            accept.append(h)
            accepted_in_time += h <= targets.accept(r.urgency)
            if (f := r.fix_hours) is not None:
                fix.append(f)
                finished_in_time += f <= targets.done(r.urgency)
        if r.state == RepairState.REJECTED:
            continue
        categories[r.category] += 1
        locations[r.location] += 1
        if r.location_key:
            places[r.location_key] += 1
            shown[r.location_key] = r.location  # the latest wording of the place
            faults[(r.location_key, r.category)] += 1
    top = sorted(places.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_PLACES]
    repeats = sorted(
        ((key, cat, n) for (key, cat), n in faults.items() if n >= REPEAT_AT),
        key=lambda x: (-x[2], x[0], x[1]),
    )
    by_category: Counter[str] = Counter()
    for category, n in categories.items():
        by_category[_category_label(category)] += n
    by_building: Counter[str] = Counter()
    for location, n in locations.items():
        by_building[building_of(location)] += n
    return RepairStats(
        total=len(repairs),
        by_state=dict(by_state),
        by_category=_ranked(by_category),
        by_building=_ranked(by_building),
        accepted=len(accept),
        accepted_in_time=accepted_in_time,
        finished=len(fix),
        finished_in_time=finished_in_time,
        accept_median=percentile(accept, 0.5),
        accept_p90=percentile(accept, 0.9),
        fix_median=percentile(fix, 0.5),
        fix_p90=percentile(fix, 0.9),
        top_places=[Place(shown[k], n) for k, n in top],
        repeat_faults=[Place(shown[k], n, _category_label(c)) for k, c, n in repeats],
        reopened=sum(1 for r in repairs if r.reopen_count > 0),
        from_patrols=sum(1 for r in repairs if r.from_patrol),
        parts_used=sorted(parts, key=lambda p: (-p.quantity, p.item)),
    )


@functools.lru_cache(maxsize=4096)  # a year has 365 days and thousands of lines
def _bucket(day: date, by_month: bool) -> str:
    if by_month:
        return f"{day:%Y-%m}"
    monday = day - timedelta(days=day.weekday())
    return f"{monday:%m-%d}"


def _price_trends(lines: Sequence[PurchaseLineRecord], long: bool) -> list[PriceTrend]:
    """The 10 items bought most often; for each, the average price paid per unit in each
    month (each week for a short period), in its most usual unit."""
    by_item: dict[str, list[PurchaseLineRecord]] = defaultdict(list)
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        by_item[line.item].append(line)
        amounts[line.item] += line.amount
    times = {item: len(mine) for item, mine in by_item.items()}
    chosen = sorted(times, key=lambda item: (-times[item], -amounts[item], item))[:TRENDS]
    trends = []
    for item in chosen:
        mine = by_item[item]
        unit_key = Counter(line.unit_key for line in mine).most_common(1)[0][0]
        same = [line for line in mine if line.unit_key == unit_key and line.quantity > 0]
        unit = Counter(line.unit for line in same).most_common(1)[0][0] if same else ""
        spent: dict[str, Decimal] = defaultdict(Decimal)
        qty: dict[str, Decimal] = defaultdict(Decimal)
        for line in same:
            key = _bucket(line.day, long)
            spent[key] += line.amount
            qty[key] += line.quantity
        points = [(k, (spent[k] / qty[k]).quantize(Decimal("0.01"))) for k in sorted(spent)]
        if points:
            trends.append(PriceTrend(item, unit, times[item], points))
    return trends


def purchase_stats(
    lines: Sequence[PurchaseLineRecord], categories: CategoryMap, *, long: bool
) -> PurchaseStats:
    confirmed = [line for line in lines if line.state == "confirmed"]
    by_supplier: dict[str, Decimal] = defaultdict(Decimal)
    by_item: dict[str, Decimal] = defaultdict(Decimal)
    bought: dict[str, list[tuple[Decimal, str]]] = defaultdict(list)
    for line in confirmed:
        by_supplier[line.supplier or "未注明"] += line.amount
        by_item[line.item] += line.amount
        bought[line.item].append((line.quantity, line.unit_key))
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    for item, amount in by_item.items():  # a few hundred items, not thousands of lines
        by_category[purchase_category(item, categories)] += amount
    top_items = list(_ranked_money(by_item).items())[:TOP_ITEMS]
    rejected: dict[int, Rejection] = {}
    for line in lines:
        if line.state != "rejected":
            continue
        old = rejected.get(line.purchase_id)
        amount = (old.amount if old else Decimal(0)) + line.amount
        rejected[line.purchase_id] = Rejection(
            line.purchase_id, line.day, amount, line.reject_reason or ""
        )
    return PurchaseStats(
        confirmed=len({line.purchase_id for line in confirmed}),
        posted=len({line.purchase_id for line in confirmed if line.posted}),
        lines=len(confirmed),
        amount=sum((line.amount for line in confirmed), Decimal("0.00")),
        by_category=_ranked_money(by_category),
        by_supplier=_ranked_money(by_supplier),
        top_items=top_items,
        # 猪肉 20斤 + 5公斤 is 30斤: what was bought by weight, in the unit the office uses
        weights={i: w for i, _ in top_items if (w := weight_total(bought[i])) is not None},
        price_trends=_price_trends(confirmed, long),
        rejected=sorted(rejected.values(), key=lambda r: (r.day, r.purchase_id)),
    )


def patrol_stats(rounds: Sequence[PatrolRoundRecord]) -> PatrolStats:
    states = Counter("unstaffed" if r.unstaffed else r.state for r in rounds)
    return PatrolStats(
        rounds=len(rounds),
        on_time=states["submitted"],
        late=states["late"],
        missed=states["missed"],
        unstaffed=states["unstaffed"],
        open=states["sent"] + states["reminded"],
        abnormal=sum(r.abnormal for r in rounds),
        repairs=sum(r.repairs for r in rounds),
        repairs_done=sum(r.repairs_done for r in rounds),
    )


def menu_stats(period: Period, weeks: Sequence[MenuWeekRecord]) -> MenuStats:
    """A week published ahead (next week's menu, in a year so far) counts in the year as it
    does in its month; it is ahead, never late."""
    mondays = [m for m in period.mondays() if period.first <= m <= period.last]
    inside = [w for w in weeks if period.first <= w.monday <= period.span_last]
    ahead = sum(1 for w in inside if w.monday > period.last)
    in_time = {w.monday for w in inside if w.on_time}
    return MenuStats(
        weeks=len(mondays) + ahead,
        published=len(inside),
        on_time=len(in_time),
        late=sum(1 for m in mondays if m not in in_time),
    )


def _week_index(mondays: list[date]) -> dict[date, int]:
    return {m: i for i, m in enumerate(mondays)}


@functools.lru_cache(maxsize=4096)
def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly(records: Records, local_day: Iterable[date]) -> Weekly:
    """``local_day`` gives each repair's local creation day, in the order of records.repairs
    (the time zone is the service's business, not the domain's)."""
    mondays = records.period.mondays()
    index = _week_index(mondays)
    repairs = [0] * len(mondays)
    spend = [Decimal("0.00")] * len(mondays)
    on_time, late, missed = [0] * len(mondays), [0] * len(mondays), [0] * len(mondays)
    for day in local_day:
        if (i := index.get(_monday(day))) is not None:
            repairs[i] += 1
    for line in records.purchase_lines:
        if line.state == "confirmed" and (i := index.get(_monday(line.day))) is not None:
            spend[i] += line.amount
    for rnd in records.rounds:
        i_round = index.get(_monday(rnd.day))
        if i_round is None:
            continue
        if rnd.state == "submitted":
            on_time[i_round] += 1
        elif rnd.state == "late":
            late[i_round] += 1
        elif rnd.state == "missed" and not rnd.unstaffed:  # 未排班 is nobody's 漏检
            missed[i_round] += 1
    return Weekly(mondays, repairs, spend, on_time, late, missed)


def compute(
    records: Records,
    *,
    targets: Targets,
    categories: CategoryMap,
    repair_days: Sequence[date],
) -> Report:
    return Report(
        period=records.period,
        repairs=repair_stats(records.repairs, targets, records.parts_used),
        purchases=purchase_stats(
            records.purchase_lines,
            categories,
            long=(records.period.last - records.period.first) > timedelta(days=62),
        ),
        patrols=patrol_stats(records.rounds),
        menus=menu_stats(records.period, records.menu_weeks),
        weekly=weekly(records, repair_days),
    )
