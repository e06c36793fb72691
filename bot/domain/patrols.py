"""走走看看: the daily patrol rounds, their checklists, duty roster, holidays and grace.

"每天清晨、下午、晚上学生就寝后都应在校园内走走看看，认真检查……及时解决发现的问题。"
Everything here is a pure function of dates and times in the school's time zone, so the
scheduling rules can be tested without a clock or a database.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.errors import DomainError
from bot.domain.numbers import plausible_year
from bot.domain.timeofday import read_time_of_day

# After the reminder, how long before a round that is still not submitted counts as missed.
MISSED_AFTER_REMINDER = timedelta(minutes=30)
MAX_ITEMS = 20
MAX_ITEM_LEN = 60


class Slot(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    NIGHT = "night"

    @property
    def label(self) -> str:
        return SLOT_LABELS[self]

    @property
    def short(self) -> str:
        return SLOT_SHORT[self]


SLOTS: tuple[Slot, ...] = (Slot.MORNING, Slot.AFTERNOON, Slot.NIGHT)
SLOT_LABELS = {Slot.MORNING: "早间", Slot.AFTERNOON: "午后", Slot.NIGHT: "晚间（学生就寝后）"}
SLOT_SHORT = {Slot.MORNING: "早间", Slot.AFTERNOON: "午后", Slot.NIGHT: "晚间"}
_SLOT_ALIASES = {
    **{s.value: s for s in SLOTS},
    "早": Slot.MORNING,
    "早间": Slot.MORNING,
    "早上": Slot.MORNING,
    "清晨": Slot.MORNING,
    "上午": Slot.MORNING,
    "午": Slot.AFTERNOON,
    "午后": Slot.AFTERNOON,
    "下午": Slot.AFTERNOON,
    "中午": Slot.AFTERNOON,
    "晚": Slot.NIGHT,
    "晚间": Slot.NIGHT,
    "晚上": Slot.NIGHT,
    "夜间": Slot.NIGHT,
    "就寝后": Slot.NIGHT,
}

# Drawn from the year-end summaries: doors and windows locked, power and taps off, fire
# equipment, canteen hygiene and food quality, buildings, walls and fields, school
# property, rubbish, lawns.
DEFAULT_ITEMS: dict[Slot, tuple[str, ...]] = {
    Slot.MORNING: (
        "校门开启，门卫到岗，外来人员登记",
        "教室、办公室门窗门锁完好",
        "食堂卫生：操作间、餐具清洁消毒",
        "早餐饭菜质量、食材新鲜",
        "水电路正常，水龙头无长流水",
        "消防通道畅通，灭火器在位",
        "校舍、道路、场地设施安全",
        "垃圾清运，无乱倒垃圾",
    ),
    Slot.AFTERNOON: (
        "食堂午餐饭菜质量、价格",
        "食堂卫生、食品留样",
        "教学楼、校舍无安全隐患",
        "体育器材、运动场地安全",
        "围墙完好，无人爬围墙进校",
        "草坪花木无践踏",
        "校产校具完好，无公物乱扔、乱涂乱画",
        "垃圾乱倒、卫生死角",
    ),
    Slot.NIGHT: (
        "学生已就寝，宿舍秩序正常",
        "教室、办公室电源已关",
        "水龙头已关，无长流水",
        "门窗已关好锁好",
        "宿舍用电安全，无违规电器",
        "消防设施完好，安全出口畅通",
        "食堂燃气、电源、门窗已关",
        "校门、围墙安全，无外来人员",
    ),
}


class ItemState(StrEnum):
    UNCHECKED = "unchecked"
    OK = "ok"
    ABNORMAL = "abnormal"

    def next(self) -> ItemState:
        """未查 → 正常 → 异常 → 未查: one tap moves one step."""
        order = (ItemState.UNCHECKED, ItemState.OK, ItemState.ABNORMAL)
        return order[(order.index(self) + 1) % len(order)]

    @property
    def label(self) -> str:
        return {"unchecked": "未查", "ok": "正常", "abnormal": "异常"}[self.value]

    @property
    def icon(self) -> str:
        return {"unchecked": "▫️", "ok": "✅", "abnormal": "⚠️"}[self.value]


class RoundState(StrEnum):
    SENT = "sent"
    REMINDED = "reminded"
    SUBMITTED = "submitted"
    LATE = "late"
    MISSED = "missed"

    @property
    def label(self) -> str:
        return ROUND_STATE_LABELS[self]

    @property
    def is_open(self) -> bool:
        """Still waiting for the patroller (a missed round may still be submitted late)."""
        return self in (RoundState.SENT, RoundState.REMINDED, RoundState.MISSED)


ROUND_STATE_LABELS = {
    RoundState.SENT: "待提交",
    RoundState.REMINDED: "已提醒",
    RoundState.SUBMITTED: "按时完成",
    RoundState.LATE: "迟交",
    RoundState.MISSED: "漏检",
}


# ---------------------------------------------------------------- times


def parse_time_of_day(text: str) -> time:
    value = read_time_of_day(text)
    if value is None:
        raise DomainError(f"看不懂时间「{text.strip()}」，请写成 07:00 这样（0:00 到 23:59）。")
    return value


def parse_patrol_times(text: str) -> dict[Slot, time]:
    """``07:00,14:00,21:30`` → one time per round, in the order 早间、午后、晚间."""
    parts = [p for p in re.split(r"[,，、;；\s]+", text.strip()) if p]
    if len(parts) != len(SLOTS):
        raise DomainError(
            "请写三个时间，依次是早间、午后、晚间，例如：/patrol_times 07:00,14:00,21:30"
        )
    times = [parse_time_of_day(p) for p in parts]
    if any(a >= b for a, b in itertools.pairwise(times)):
        raise DomainError("三个时间要按早间、午后、晚间从早到晚排列。")
    return dict(zip(SLOTS, times, strict=True))


def effective_times(defaults: Sequence[time], overrides: dict[Slot, time]) -> dict[Slot, time]:
    """Admin-set times win; otherwise BOT_PATROL_TIMES (missing entries fall back to the
    built-in 07:00/14:00/21:30 so a short setting never leaves a round without a time)."""
    builtin = (time(7, 0), time(14, 0), time(21, 30))
    result = {}
    for i, slot in enumerate(SLOTS):
        if slot in overrides:
            result[slot] = overrides[slot]
        elif i < len(defaults):
            result[slot] = defaults[i]
        else:
            result[slot] = builtin[i]
    return result


def fmt_time(t: time) -> str:
    return t.strftime("%H:%M") if t.second == 0 else t.strftime("%H:%M:%S")


def scheduled_at(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The aware moment a round of ``day`` is due (school time)."""
    return datetime.combine(day, at, tzinfo=tz)


# ---------------------------------------------------------------- calendar


@dataclass(frozen=True)
class Holiday:
    id: int
    first_day: date
    last_day: date

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


def is_holiday(day: date, holidays: Iterable[Holiday]) -> bool:
    return any(h.covers(day) for h in holidays)


_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def parse_date(text: str) -> date:
    m = _DATE_RE.fullmatch(text.strip())
    if not m:
        raise DomainError(f"看不懂日期「{text.strip()}」，请写成 2027-01-20 这样。")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise DomainError(f"没有这一天：{text.strip()}。") from None


def parse_holiday(text: str) -> tuple[date, date]:
    """``2027-01-20 2027-02-20`` (or one date for a single day)."""
    parts = [p for p in re.split(r"\s+|至|到|~|～|—", text.strip()) if p]
    if not parts or len(parts) > 2:
        raise DomainError("请写放假的起止日期，例如：/holiday 2027-01-20 2027-02-20")
    first = parse_date(parts[0])
    last = parse_date(parts[-1])
    if last < first:
        raise DomainError("结束日期不能早于开始日期。")
    if (last - first).days > 366:
        raise DomainError("一次最多设置一年的假期。")
    return first, last


# ---------------------------------------------------------------- roster

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_WEEKDAY_CHARS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_WEEKDAY_RE = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天七])")


def parse_weekday(text: str) -> int | None:
    """``周一`` / ``星期天`` / ``礼拜三`` → 0..6; None if it is not a weekday name."""
    m = _WEEKDAY_RE.fullmatch(text.strip())
    return _WEEKDAY_CHARS[m[1]] if m else None


def parse_roster_day(text: str) -> int | date:
    """A roster key: a weekday (``周一``) or a date (``2027-03-01``)."""
    weekday = parse_weekday(text)
    if weekday is not None:
        return weekday
    try:
        return parse_date(text)
    except DomainError:
        raise DomainError(
            f"看不懂「{text.strip()}」：请写周一…周日，或 2027-03-01 这样的日期。"
        ) from None


@dataclass(frozen=True)
class RosterEntry:
    id: int
    user_id: int
    weekday: int | None
    day: date | None

    @property
    def key_label(self) -> str:
        if self.day is not None:
            return self.day.isoformat()
        assert self.weekday is not None
        return WEEKDAYS[self.weekday]


def on_duty(day: date, roster: Iterable[RosterEntry], patrollers: Iterable[int]) -> list[int]:
    """Who gets the rounds of ``day``: people rostered on that date, else on that weekday,
    else every patroller. Rostered people who no longer patrol are left out, and if that
    leaves nobody the round still goes to every patroller rather than to no one."""
    allowed = list(dict.fromkeys(patrollers))
    entries = list(roster)
    by_date = [e.user_id for e in entries if e.day == day]
    by_weekday = [e.user_id for e in entries if e.day is None and e.weekday == day.weekday()]
    for chosen in (by_date, by_weekday):
        people = [u for u in dict.fromkeys(chosen) if u in allowed]
        if people:
            return people
    return allowed


# ---------------------------------------------------------------- rounds and grace


@dataclass(frozen=True)
class RoundKey:
    day: date
    slot: Slot


@dataclass(frozen=True)
class DueRound:
    day: date
    slot: Slot
    at: datetime  # aware, school time


def due_rounds(
    now: datetime,
    times: dict[Slot, time],
    *,
    tz: ZoneInfo,
    grace: timedelta,
    holidays: Iterable[Holiday],
    existing: Iterable[RoundKey],
) -> list[DueRound]:
    """Rounds to send at ``now``: their time has come, they are still within their grace
    period (so a restart hours later does not send a stale checklist), the day is not a
    holiday, and no round row exists yet for (day, slot) — never twice."""
    local = now.astimezone(tz)
    have = set(existing)
    hols = list(holidays)
    result = []
    # Yesterday too: a 23:30 round with an hour of grace is still due at 00:10.
    for day in (local.date() - timedelta(days=1), local.date()):
        if is_holiday(day, hols):
            continue
        for slot in SLOTS:
            at = scheduled_at(day, times[slot], tz)
            if at <= local < at + grace and RoundKey(day, slot) not in have:
                result.append(DueRound(day, slot, at))
    result.sort(key=lambda r: r.at)
    return result


def reminder_due_at(at: datetime, grace: timedelta) -> datetime:
    return at + grace


def missed_at(at: datetime, grace: timedelta) -> datetime:
    return at + grace + MISSED_AFTER_REMINDER


class Overdue(StrEnum):
    REMIND = "remind"
    MISS = "miss"


def overdue_action(
    state: RoundState, at: datetime, now: datetime, grace: timedelta
) -> Overdue | None:
    """What the watch job should do with a round: one reminder after the grace period,
    marked missed 30 minutes later. A round found past both (the bot was down) is marked
    missed straight away — a reminder would arrive after the deadline it announces."""
    if state not in (RoundState.SENT, RoundState.REMINDED):
        return None
    if now >= missed_at(at, grace):
        return Overdue.MISS
    if state is RoundState.SENT and now >= reminder_due_at(at, grace):
        return Overdue.REMIND
    return None


def submitted_state(at: datetime, submitted: datetime, grace: timedelta) -> RoundState:
    """On time within the grace period, late after it (also after being marked missed)."""
    return RoundState.SUBMITTED if submitted <= at + grace else RoundState.LATE


# ---------------------------------------------------------------- checklist


@dataclass(frozen=True)
class Check:
    id: int
    position: int
    item: str
    state: ItemState
    note: str | None = None
    photo_file_id: str | None = None
    photo_path: str | None = None
    repair_id: int | None = None
    # Who ticked the item and when: the patrol record credits them (None while 未查).
    checked_by: int | None = None
    checked_by_name: str | None = None
    checked_at: datetime | None = None


def submission_problems(checks: Sequence[Check]) -> str | None:
    """Why a checklist cannot be submitted yet, or None."""
    unchecked = [c for c in checks if c.state is ItemState.UNCHECKED]
    if unchecked:
        return f"还有 {len(unchecked)} 项未查，请逐项点选，或点「全部正常」。"
    no_note = [c for c in checks if c.state is ItemState.ABNORMAL and not c.note]
    if no_note:
        names = "、".join(f"「{c.item}」" for c in no_note[:3])
        return f"请先为异常项{names}写一句说明（回复提示消息即可），再提交。"
    return None


def validate_item_text(text: str) -> str:
    clean = " ".join(text.split())
    if not clean:
        raise DomainError("检查项不能为空。")
    if len(clean) > MAX_ITEM_LEN:
        raise DomainError(f"检查项太长了，请控制在 {MAX_ITEM_LEN} 个字以内。")
    return clean


def parse_slot(text: str) -> Slot:
    slot = _SLOT_ALIASES.get(text.strip().lower())
    if slot is None:
        raise DomainError("请写明是哪一轮：早间、午后或晚间。")
    return slot


def month_range(text: str | None, today: date) -> tuple[date, date]:
    """``2026-11`` → (first day, first day of next month); default this month."""
    key = (text or "").strip()
    bare = re.fullmatch(r"(\d{1,2})\s*月?", key)
    if key in ("上月", "上个月"):
        first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    elif bare and 1 <= int(bare[1]) <= 12:  # 11: the latest November not in the future
        month = int(bare[1])
        first = date(today.year - (month > today.month), month, 1)
    elif key and key not in ("本月", "这个月"):
        m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?", key)
        if not m or not 1 <= int(m[2]) <= 12 or not plausible_year(int(m[1])):
            raise DomainError("请写成 2026-11 这样的年月。")
        first = date(int(m[1]), int(m[2]), 1)
    else:
        first = today.replace(day=1)
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, nxt
