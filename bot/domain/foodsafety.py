"""食品安全台账: which canteen records a day needs, when they are due, and what is missing.

"每样食品留样待查"、"用餐的餐具坚持每餐消毒"、"从业人员持证上岗"、学校负责人陪餐. The records
follow the patrol rounds' life (sent → reminded → missed, submitted on time or late), so the
patrol rules for grace, reminders and lateness are reused rather than copied. Everything
here is a pure function of dates and times in the school's time zone.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.errors import DomainError
from bot.domain.menus import MEALS, Meal
from bot.domain.patrols import (
    Holiday,
    RosterEntry,
    RoundState,
    is_holiday,
    parse_date,
    parse_time_of_day,
    scheduled_at,
)

# A record not done within GRACE gets one reminder; 30 minutes later (the patrol rule) it
# is escalated to the admins. An hour matches the patrol rounds the canteen already knows.
GRACE = timedelta(minutes=60)
# 留样: each dish ≥125 g, kept 48 hours in the sample fridge, then discarded.
SAMPLE_GRAMS = 125
SAMPLE_KEEP = timedelta(hours=48)
# 健康证 reminders: 30 and 7 days before expiry, and once more when expired.
CERT_WARN_DAYS = (30, 7)
MAX_NAME_LEN = 20

HEALTH_CHECK_AT = time(6, 0)  # 晨检: before breakfast prep
MEAL_AT: dict[Meal, time] = {  # 留样 when the dishes are ready, before serving
    Meal.BREAKFAST: time(7, 0),
    Meal.LUNCH: time(11, 30),
    Meal.DINNER: time(17, 30),
}
AFTER_MEAL = timedelta(hours=1)  # 餐具消毒 and the 陪餐 form: an hour after serving starts


class Kind(StrEnum):
    HEALTH = "health"
    SAMPLE = "sample"
    DISINFECT = "disinfect"
    ACCOMPANY = "accompany"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KINDS: tuple[Kind, ...] = (Kind.HEALTH, Kind.SAMPLE, Kind.DISINFECT, Kind.ACCOMPANY)
KIND_LABELS = {
    Kind.HEALTH: "晨检",
    Kind.SAMPLE: "留样",
    Kind.DISINFECT: "餐具消毒",
    Kind.ACCOMPANY: "陪餐",
}


class Duty(StrEnum):
    """The two rotas: school leaders who eat with the students, teachers who check purchases."""

    ACCOMPANY = "accompany"
    PURCHASE_CHECK = "purchase_check"

    @property
    def label(self) -> str:
        return "陪餐" if self is Duty.ACCOMPANY else "采购清点"


_DUTY_ALIASES = {
    "陪餐": Duty.ACCOMPANY,
    "accompany": Duty.ACCOMPANY,
    "清点": Duty.PURCHASE_CHECK,
    "验收": Duty.PURCHASE_CHECK,
    "采购": Duty.PURCHASE_CHECK,
    "采购清点": Duty.PURCHASE_CHECK,
    "check": Duty.PURCHASE_CHECK,
}


def parse_duty(text: str) -> Duty:
    duty = _DUTY_ALIASES.get(text.strip().lower())
    if duty is None:
        raise DomainError("请写明是哪一项轮值：陪餐 或 清点。")
    return duty


class Health(StrEnum):
    UNCHECKED = ""
    HEALTHY = "healthy"
    UNWELL = "unwell"
    LEAVE = "leave"

    @property
    def label(self) -> str:
        return {"": "未检", "healthy": "健康", "unwell": "有症状", "leave": "请假"}[self.value]

    @property
    def icon(self) -> str:
        return {"": "▫️", "healthy": "✅", "unwell": "🤒", "leave": "🏠"}[self.value]


# Symptoms that keep a worker away from food (食品安全法 §45, 从业人员健康管理).
SYMPTOMS: tuple[str, ...] = ("发热", "腹泻", "呕吐", "咳嗽咽痛", "手部伤口", "皮肤化脓", "黄疸")


class Method(StrEnum):
    CABINET = "cabinet"
    STEAM = "steam"
    CHEMICAL = "chemical"

    @property
    def label(self) -> str:
        return {"cabinet": "消毒柜", "steam": "蒸汽", "chemical": "药物"}[self.value]

    @property
    def minutes(self) -> int:
        """The usual duration: cabinet 30 min, steam 15 min, chlorine soak 5 min."""
        return {"cabinet": 30, "steam": 15, "chemical": 5}[self.value]


USUAL_METHOD = Method.CABINET
ASPECTS: tuple[str, ...] = ("taste", "quantity", "hygiene")
ASPECT_LABELS = {"taste": "口味", "quantity": "份量", "hygiene": "卫生"}
PROBLEM_SCORE = 3  # a rating of 3 or less goes to the canteen manager and the admins


# ---------------------------------------------------------------- certificates


def cert_stage(expires: date | None, today: date) -> int:
    """0 fine (or no date), 1 within 30 days, 2 within 7 days, 3 expired."""
    if expires is None:
        return 0
    left = (expires - today).days
    if left < 0:
        return 3
    if left <= CERT_WARN_DAYS[1]:
        return 2
    return 1 if left <= CERT_WARN_DAYS[0] else 0


@dataclass(frozen=True)
class Worker:
    id: int
    name: str
    cert_no: str | None
    cert_expires: date | None
    flag_stage: int = 0
    photo_path: str | None = None

    def expired(self, today: date) -> bool:
        return self.cert_expires is not None and self.cert_expires < today

    def days_left(self, today: date) -> int | None:
        return None if self.cert_expires is None else (self.cert_expires - today).days


def parse_worker(text: str) -> tuple[str, str | None, date | None]:
    """``张三 440301202400123 2027-05-01``: the name, then the 健康证 number and expiry in
    any order (each optional)."""
    parts = [p for p in re.split(r"[\s,，、]+", text.strip()) if p]
    if not parts:
        raise DomainError("请写姓名、健康证编号和有效期，例如：张三 440301202400123 2027-05-01")
    name = parts[0]
    if len(name) > MAX_NAME_LEN:
        raise DomainError(f"姓名太长了（最多 {MAX_NAME_LEN} 个字）。")
    cert_no: str | None = None
    expires: date | None = None
    for part in parts[1:]:
        if re.fullmatch(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?", part):
            expires = parse_date(part)
        elif re.fullmatch(r"[A-Za-z0-9\-]{4,40}", part):
            cert_no = part
        else:
            raise DomainError(f"看不懂「{part}」：健康证编号是字母数字，有效期写成 2027-05-01。")
    return name, cert_no, expires


# A photo captioned 「健康证 张三」 is that worker's certificate.
CERT_PHOTO_CAPTION = re.compile(r"^\s*健康证\s*[:：]?\s*(\S{1,20})\s*$")


def cert_photo_name(caption: str | None) -> str | None:
    m = CERT_PHOTO_CAPTION.match(caption or "")
    return m[1] if m else None


# ---------------------------------------------------------------- rotas


def rostered(day: date, roster: Iterable[RosterEntry]) -> list[int]:
    """People on a rota for ``day``: those named for that date, else for that weekday.
    Unlike the patrol roster there is no fallback to everyone: an empty rota means nobody
    has that duty today."""
    entries = list(roster)
    by_date = [e.user_id for e in entries if e.day == day]
    if by_date:
        return list(dict.fromkeys(by_date))
    return list(
        dict.fromkeys(e.user_id for e in entries if e.day is None and e.weekday == day.weekday())
    )


# ---------------------------------------------------------------- schedule


@dataclass(frozen=True)
class Key:
    kind: Kind
    day: date
    meal: Meal | None


@dataclass(frozen=True)
class Plan:
    kind: Kind
    day: date
    meal: Meal | None
    at: datetime  # aware, school time

    @property
    def key(self) -> Key:
        return Key(self.kind, self.day, self.meal)


@dataclass(frozen=True)
class Times:
    """When the day's records go out: 晨检, then each meal (留样 at the meal, 消毒 and the
    陪餐 form an hour later). Admins change them in chat; stored in the database."""

    health: time = HEALTH_CHECK_AT
    breakfast: time = MEAL_AT[Meal.BREAKFAST]
    lunch: time = MEAL_AT[Meal.LUNCH]
    dinner: time = MEAL_AT[Meal.DINNER]

    def meal(self, meal: Meal) -> time:
        return {Meal.BREAKFAST: self.breakfast, Meal.LUNCH: self.lunch, Meal.DINNER: self.dinner}[
            meal
        ]

    def as_list(self) -> list[time]:
        return [self.health, self.breakfast, self.lunch, self.dinner]


DEFAULT_TIMES = Times()


def parse_times(text: str) -> Times:
    """``06:00,07:00,11:30,17:30``: 晨检, 早餐, 午餐, 晚餐, from early to late."""
    parts = [p for p in re.split(r"[,，、;；\s]+", text.strip()) if p]
    if len(parts) != 4:
        raise DomainError(
            "请写四个时间，依次是晨检、早餐、午餐、晚餐，"
            "例如：/canteen_times 06:00,07:00,11:30,17:30"
        )
    times = [parse_time_of_day(p) for p in parts]
    if any(a >= b for a, b in itertools.pairwise(times)):
        raise DomainError("四个时间要按晨检、早餐、午餐、晚餐从早到晚排列。")
    return Times(*times)


def day_plans(
    day: date,
    meals_served: Iterable[Meal],
    *,
    tz: ZoneInfo,
    accompany: bool,
    times: Times = DEFAULT_TIMES,
) -> list[Plan]:
    """The records ``day`` needs: a 晨检 if any meal is served, a 留样 and a 消毒 for
    each meal served (a meal with dishes on the published menu), and a 陪餐 after lunch
    when a leader is on the rota."""
    served = [m for m in MEALS if m in set(meals_served)]
    if not served:
        return []
    plans = [Plan(Kind.HEALTH, day, None, scheduled_at(day, times.health, tz))]
    for meal in served:
        at = scheduled_at(day, times.meal(meal), tz)
        plans.append(Plan(Kind.SAMPLE, day, meal, at))
        plans.append(Plan(Kind.DISINFECT, day, meal, at + AFTER_MEAL))
    if accompany and Meal.LUNCH in served:
        after_lunch = scheduled_at(day, times.lunch, tz) + AFTER_MEAL
        plans.append(Plan(Kind.ACCOMPANY, day, Meal.LUNCH, after_lunch))
    return sorted(plans, key=lambda p: p.at)


def due_plans(
    now: datetime,
    plans: Iterable[Plan],
    *,
    holidays: Iterable[Holiday],
    existing: Iterable[Key],
) -> list[Plan]:
    """Records to send at ``now``: their time has come, still within the grace period (a
    restart hours later does not send a stale form), not a holiday, not sent yet."""
    have = set(existing)
    hols = list(holidays)
    return [
        p
        for p in plans
        if p.at <= now < p.at + GRACE and p.key not in have and not is_holiday(p.day, hols)
    ]


# ---------------------------------------------------------------- record contents


@dataclass(frozen=True)
class Entry:
    id: int
    position: int
    label: str
    worker_id: int | None = None
    status: Health = Health.UNCHECKED
    note: str | None = None
    photo_file_id: str | None = None
    photo_path: str | None = None
    weighed: bool = False
    updated_by_name: str | None = None  # who last filled this line, and when (aware UTC)
    updated_at: datetime | None = None

    @property
    def has_photo(self) -> bool:
        return bool(self.photo_file_id or self.photo_path)

    @property
    def sampled(self) -> bool:
        return self.has_photo and self.weighed


def missing_samples(entries: Sequence[Entry]) -> list[Entry]:
    """Dishes whose sample is not fully recorded (photo of the labelled box and ≥125 g)."""
    return [e for e in entries if not e.sampled]


def health_complete(entries: Sequence[Entry]) -> bool:
    return all(e.status is not Health.UNCHECKED for e in entries)


def ratings_complete(ratings: Mapping[str, int]) -> bool:
    return all(1 <= ratings.get(a, 0) <= 5 for a in ASPECTS)


def has_problem(ratings: Mapping[str, int], note: str | None) -> bool:
    """陪餐 findings worth telling the canteen manager and admins about."""
    return any(0 < ratings.get(a, 0) <= PROBLEM_SCORE for a in ASPECTS) or bool(
        note and note.strip()
    )


def discard_at(kept_at: datetime) -> datetime:
    return kept_at + SAMPLE_KEEP


def done_state(at: datetime, done: datetime) -> RoundState:
    """On time within the grace period, late after it (as patrol rounds)."""
    return RoundState.SUBMITTED if done <= at + GRACE else RoundState.LATE


def is_done(state: RoundState) -> bool:
    return state in (RoundState.SUBMITTED, RoundState.LATE)


# ---------------------------------------------------------------- the month's gaps


@dataclass(frozen=True)
class Gap:
    kind: Kind
    day: date
    meal: Meal | None
    reason: str


def gaps(
    expected: Iterable[Plan],
    done: Iterable[Key],
    *,
    incomplete: Mapping[Key, str] | None = None,
    today: date,
) -> list[Gap]:
    """Days or meals that needed a record and have none (or an unfinished one), up to and
    including ``today`` (the future has no gaps yet)."""
    have = set(done)
    partial = dict(incomplete or {})
    result = []
    for p in expected:
        if p.day > today or p.key in have:
            continue
        result.append(Gap(p.kind, p.day, p.meal, partial.get(p.key, "无记录")))
    return sorted(result, key=lambda g: (g.day, KINDS.index(g.kind), g.meal or ""))


def complete_days(expected: Iterable[Plan], done: Iterable[Key], today: date) -> tuple[int, int]:
    """(days with every needed record, days that needed records), up to ``today``."""
    have = set(done)
    by_day: dict[date, bool] = {}
    for p in expected:
        if p.day > today:
            continue
        by_day[p.day] = by_day.get(p.day, True) and p.key in have
    return sum(by_day.values()), len(by_day)
