"""Food-safety rules without a clock or a database: what a day needs, when, and the gaps."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.domain import foodsafety as rules
from bot.domain.errors import DomainError
from bot.domain.foodsafety import Entry, Key, Kind
from bot.domain.menus import Meal
from bot.domain.patrols import Holiday, RosterEntry
from tests.conftest import SHANGHAI

MON = date(2026, 11, 23)


def test_a_day_with_lunch_and_dinner_needs_a_morning_check_samples_and_disinfection() -> None:
    plans = rules.day_plans(MON, [Meal.DINNER, Meal.LUNCH], tz=SHANGHAI, accompany=True)
    kinds = [(p.kind, p.meal) for p in plans]
    assert kinds == [
        (Kind.HEALTH, None),
        (Kind.SAMPLE, Meal.LUNCH),
        (Kind.DISINFECT, Meal.LUNCH),
        (Kind.ACCOMPANY, Meal.LUNCH),
        (Kind.SAMPLE, Meal.DINNER),
        (Kind.DISINFECT, Meal.DINNER),
    ]
    assert plans[0].at == datetime(2026, 11, 23, 6, 0, tzinfo=SHANGHAI)


def test_a_day_without_meals_on_the_menu_needs_no_records() -> None:
    assert rules.day_plans(MON, [], tz=SHANGHAI, accompany=True) == []


def test_no_leader_on_the_rota_means_no_accompanied_meal_form() -> None:
    plans = rules.day_plans(MON, [Meal.LUNCH], tz=SHANGHAI, accompany=False)
    assert Kind.ACCOMPANY not in {p.kind for p in plans}


def test_records_are_due_within_their_grace_once_and_not_on_holidays() -> None:
    plans = rules.day_plans(MON, [Meal.LUNCH], tz=SHANGHAI, accompany=False)
    at_1140 = datetime(2026, 11, 23, 11, 40, tzinfo=SHANGHAI)
    due = rules.due_plans(at_1140, plans, holidays=[], existing=[])
    assert [(p.kind, p.meal) for p in due] == [(Kind.SAMPLE, Meal.LUNCH)]
    assert rules.due_plans(at_1140, plans, holidays=[], existing=[due[0].key]) == []
    holiday = Holiday(1, MON, MON)
    assert rules.due_plans(at_1140, plans, holidays=[holiday], existing=[]) == []
    too_late = datetime(2026, 11, 23, 12, 31, tzinfo=SHANGHAI)
    assert Kind.SAMPLE not in {
        p.kind for p in rules.due_plans(too_late, plans, holidays=[], existing=[])
    }


def test_certificate_stages_at_30_and_7_days_and_expired() -> None:
    expires = date(2026, 12, 31)
    assert rules.cert_stage(expires, expires - timedelta(days=31)) == 0
    assert rules.cert_stage(expires, expires - timedelta(days=30)) == 1
    assert rules.cert_stage(expires, expires - timedelta(days=7)) == 2
    assert rules.cert_stage(expires, expires) == 2
    assert rules.cert_stage(expires, expires + timedelta(days=1)) == 3
    assert rules.cert_stage(None, expires) == 0


def test_worker_line_reads_name_certificate_number_and_expiry_in_any_order() -> None:
    assert rules.parse_worker("张三 2027-05-01 440301202400123") == (
        "张三",
        "440301202400123",
        date(2027, 5, 1),
    )
    assert rules.parse_worker("李四") == ("李四", None, None)
    with pytest.raises(DomainError):
        rules.parse_worker("王五 下个月")


def test_a_sample_needs_a_photo_and_the_weight() -> None:
    entries = [
        Entry(1, 1, "红烧肉", photo_path="a.jpg", weighed=True),
        Entry(2, 2, "白菜", weighed=True),
        Entry(3, 3, "蛋汤", photo_file_id="x"),
    ]
    assert [e.label for e in rules.missing_samples(entries)] == ["白菜", "蛋汤"]


def test_samples_may_be_discarded_48_hours_after_they_were_kept() -> None:
    kept = datetime(2026, 11, 23, 11, 30, tzinfo=SHANGHAI)
    assert rules.discard_at(kept) == datetime(2026, 11, 25, 11, 30, tzinfo=SHANGHAI)


def test_low_ratings_or_a_note_are_problems_for_the_canteen() -> None:
    assert not rules.has_problem({"taste": 5, "quantity": 4, "hygiene": 5}, None)
    assert rules.has_problem({"taste": 3, "quantity": 5, "hygiene": 5}, None)
    assert rules.has_problem({"taste": 5, "quantity": 5, "hygiene": 5}, "汤太咸")


def test_rota_takes_a_date_over_the_weekday_and_has_no_fallback() -> None:
    roster = [RosterEntry(1, 7, 0, None), RosterEntry(2, 8, None, MON)]
    assert rules.rostered(MON, roster) == [8]
    assert rules.rostered(MON + timedelta(days=7), roster) == [7]
    assert rules.rostered(MON + timedelta(days=1), roster) == []


def test_gaps_are_needed_records_missing_up_to_today_and_days_complete_count() -> None:
    plans = rules.day_plans(MON, [Meal.LUNCH], tz=SHANGHAI, accompany=False)
    plans += rules.day_plans(MON + timedelta(days=1), [Meal.LUNCH], tz=SHANGHAI, accompany=False)
    plans += rules.day_plans(MON + timedelta(days=2), [Meal.LUNCH], tz=SHANGHAI, accompany=False)
    done = [p.key for p in plans if p.day == MON]
    done.append(Key(Kind.HEALTH, MON + timedelta(days=1), None))
    today = MON + timedelta(days=1)
    gaps = rules.gaps(
        plans,
        done,
        incomplete={Key(Kind.SAMPLE, today, Meal.LUNCH): "缺照片或份量：白菜"},
        today=today,
    )
    assert [(g.kind, g.day, g.reason) for g in gaps] == [
        (Kind.SAMPLE, today, "缺照片或份量：白菜"),
        (Kind.DISINFECT, today, "无记录"),
    ]
    assert rules.complete_days(plans, done, today) == (1, 2)
