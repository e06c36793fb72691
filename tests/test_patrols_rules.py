"""The patrol rules as pure functions of dates and times in the school's time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain import patrols as rules
from bot.domain.errors import DomainError
from bot.domain.patrols import (
    DEFAULT_ITEMS,
    Check,
    Holiday,
    ItemState,
    Overdue,
    RosterEntry,
    RoundKey,
    RoundState,
    Slot,
)

TZ = ZoneInfo("Asia/Shanghai")
TIMES = {Slot.MORNING: time(7), Slot.AFTERNOON: time(14), Slot.NIGHT: time(21, 30)}
GRACE = timedelta(minutes=60)
MON = date(2026, 11, 23)


def at(day: date, h: int, m: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, h, m, tzinfo=TZ)


def due(now: datetime, **kw: object) -> list[tuple[date, Slot]]:
    args: dict[str, object] = {"tz": TZ, "grace": GRACE, "holidays": [], "existing": []}
    args.update(kw)
    return [(r.day, r.slot) for r in rules.due_rounds(now, TIMES, **args)]  # type: ignore[arg-type]


def test_default_checklists_have_six_to_ten_items_from_the_seeds() -> None:
    for slot in rules.SLOTS:
        assert 6 <= len(DEFAULT_ITEMS[slot]) <= 10
    words = "".join(t for items in DEFAULT_ITEMS.values() for t in items)
    for word in (
        "门窗",
        "电源",
        "水龙头",
        "消防",
        "食堂卫生",
        "饭菜质量",
        "围墙",
        "校产",
        "垃圾",
        "草坪",
    ):
        assert word in words
    assert Slot.NIGHT.label == "晚间（学生就寝后）"


def test_item_state_cycles_unchecked_ok_abnormal() -> None:
    s = ItemState.UNCHECKED
    seen = []
    for _ in range(4):
        s = s.next()
        seen.append(s)
    assert seen == [ItemState.OK, ItemState.ABNORMAL, ItemState.UNCHECKED, ItemState.OK]
    assert [x.label for x in ItemState] == ["未查", "正常", "异常"]


def test_round_is_due_at_its_time_not_before() -> None:
    assert due(at(MON, 6, 59)) == []
    assert due(at(MON, 7, 0)) == [(MON, Slot.MORNING)]
    assert due(at(MON, 14, 30)) == [(MON, Slot.AFTERNOON)]


def test_round_already_created_is_never_due_again() -> None:
    assert due(at(MON, 7, 5), existing=[RoundKey(MON, Slot.MORNING)]) == []


def test_restart_within_grace_catches_up_but_not_after() -> None:
    assert due(at(MON, 7, 59)) == [(MON, Slot.MORNING)]
    assert due(at(MON, 8, 0)) == []


def test_night_round_is_still_due_after_midnight_within_grace() -> None:
    times = {**TIMES, Slot.NIGHT: time(23, 30)}
    got = rules.due_rounds(
        at(MON + timedelta(days=1), 0, 10), times, tz=TZ, grace=GRACE, holidays=[], existing=[]
    )
    assert [(r.day, r.slot) for r in got] == [(MON, Slot.NIGHT)]


def test_no_rounds_on_holidays() -> None:
    hol = Holiday(1, date(2026, 11, 20), MON)
    assert due(at(MON, 7, 1), holidays=[hol]) == []
    assert due(at(MON + timedelta(days=1), 7, 1), holidays=[hol]) == [
        (MON + timedelta(days=1), Slot.MORNING)
    ]


def test_reminder_after_grace_then_missed_thirty_minutes_later() -> None:
    start = at(MON, 7)
    assert rules.overdue_action(RoundState.SENT, start, at(MON, 7, 59), GRACE) is None
    assert rules.overdue_action(RoundState.SENT, start, at(MON, 8, 0), GRACE) is Overdue.REMIND
    assert rules.overdue_action(RoundState.REMINDED, start, at(MON, 8, 29), GRACE) is None
    assert rules.overdue_action(RoundState.REMINDED, start, at(MON, 8, 30), GRACE) is Overdue.MISS
    # found long overdue after downtime: straight to missed, no stale reminder
    assert rules.overdue_action(RoundState.SENT, start, at(MON, 11), GRACE) is Overdue.MISS
    assert rules.overdue_action(RoundState.SUBMITTED, start, at(MON, 11), GRACE) is None


def test_submission_after_grace_is_late() -> None:
    start = at(MON, 7)
    assert rules.submitted_state(start, at(MON, 8, 0), GRACE) is RoundState.SUBMITTED
    assert rules.submitted_state(start, at(MON, 8, 1), GRACE) is RoundState.LATE


def test_roster_date_beats_weekday_beats_everyone() -> None:
    roster = [
        RosterEntry(1, 10, 0, None),  # Monday: 10
        RosterEntry(2, 20, None, MON + timedelta(days=7)),  # one Monday: 20
    ]
    everyone = [10, 20, 30]
    assert rules.on_duty(MON, roster, everyone) == [10]
    assert rules.on_duty(MON + timedelta(days=7), roster, everyone) == [20]
    assert rules.on_duty(MON + timedelta(days=1), roster, everyone) == [10, 20, 30]


def test_rostered_person_without_patrol_role_falls_back_to_everyone() -> None:
    roster = [RosterEntry(1, 99, 0, None)]
    assert rules.on_duty(MON, roster, [10, 20]) == [10, 20]


def test_patrol_times_parse_in_order() -> None:
    assert rules.parse_patrol_times("06:30，13:45:30、22:00") == {
        Slot.MORNING: time(6, 30),
        Slot.AFTERNOON: time(13, 45, 30),
        Slot.NIGHT: time(22),
    }
    with pytest.raises(DomainError):
        rules.parse_patrol_times("07:00,14:00")
    with pytest.raises(DomainError):
        rules.parse_patrol_times("14:00,07:00,21:30")
    with pytest.raises(DomainError):
        rules.parse_patrol_times("07:00,25:00,21:30")


def test_admin_times_override_settings() -> None:
    got = rules.effective_times((time(6), time(13), time(20)), {Slot.NIGHT: time(22)})
    assert got == {Slot.MORNING: time(6), Slot.AFTERNOON: time(13), Slot.NIGHT: time(22)}


def test_holiday_parse() -> None:
    assert rules.parse_holiday("2027-01-20 2027-02-20") == (date(2027, 1, 20), date(2027, 2, 20))
    assert rules.parse_holiday("2027-01-20") == (date(2027, 1, 20), date(2027, 1, 20))
    with pytest.raises(DomainError):
        rules.parse_holiday("2027-02-20 2027-01-20")
    with pytest.raises(DomainError):
        rules.parse_holiday("2027-02-30")


def test_roster_day_parse() -> None:
    assert rules.parse_roster_day("星期天") == 6
    assert rules.parse_roster_day("周三") == 2
    assert rules.parse_roster_day("2027-03-01") == date(2027, 3, 1)
    with pytest.raises(DomainError):
        rules.parse_roster_day("明天")


def test_cannot_submit_with_unchecked_items_or_abnormal_without_note() -> None:
    ok = Check(1, 1, "门窗", ItemState.OK)
    assert rules.submission_problems([ok]) is None
    assert "未查" in (
        rules.submission_problems([ok, Check(2, 2, "电源", ItemState.UNCHECKED)]) or ""
    )
    bad = Check(3, 3, "水龙头", ItemState.ABNORMAL)
    assert "说明" in (rules.submission_problems([ok, bad]) or "")
    assert (
        rules.submission_problems([ok, Check(3, 3, "水龙头", ItemState.ABNORMAL, "漏水")]) is None
    )


def test_month_range() -> None:
    assert rules.month_range("2026-12", MON) == (date(2026, 12, 1), date(2027, 1, 1))
    assert rules.month_range(None, MON) == (date(2026, 11, 1), date(2026, 12, 1))


def test_export_month_may_be_a_bare_month_or_last_month() -> None:
    january = date(2027, 1, 15)
    assert rules.month_range("12", january) == (date(2026, 12, 1), date(2027, 1, 1))
    assert rules.month_range("上月", january) == (date(2026, 12, 1), date(2027, 1, 1))
    assert rules.month_range("1月", january) == (date(2027, 1, 1), date(2027, 2, 1))
    assert rules.month_range("2026-11", january) == (date(2026, 11, 1), date(2026, 12, 1))
