"""Rules of a repair ticket, without storage or Telegram."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import DomainError
from bot.domain.escalation import RepairEscalation
from bot.domain.repairs import (
    Category,
    RepairState,
    RepairTicket,
    Urgency,
    guess_category,
    guess_urgency,
    overdue_order,
    repeat_note,
    split_caption,
)

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
RULES = RepairEscalation()


@dataclass(frozen=True)
class P:
    user_id: int
    name: str


TEACHER = P(1, "王老师")
BOSS = P(2, "张三")
BOSS2 = P(3, "赵六")
FIXER = P(4, "李四")


def ticket(urgency: Urgency = Urgency.NORMAL) -> RepairTicket:
    return RepairTicket(
        id=12, reporter_id=1, reporter_name="王老师", location="教学楼302教室",
        description="门锁坏了", category=Category.LOCK, urgency=urgency, created_at=T0,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("门锁坏了，关不上", Category.LOCK),
        ("钥匙断在锁里了", Category.LOCK),
        ("窗户玻璃碎了", Category.DOOR_WINDOW),
        ("门关不上", Category.DOOR_WINDOW),
        ("课桌腿断了", Category.FURNITURE),
        ("椅子坏了两把", Category.FURNITURE),
        ("水龙头一直滴水", Category.WATER),
        ("下水道堵了", Category.WATER),
        ("阀门漏水", Category.WATER),
        ("灯管不亮", Category.ELECTRIC),
        ("插座没电", Category.ELECTRIC),
        ("开关冒火花", Category.ELECTRIC),
        ("空调漏水", Category.APPLIANCE),
        ("投影仪打不开", Category.APPLIANCE),
        ("电脑开不了机", Category.APPLIANCE),
        ("风扇不转", Category.APPLIANCE),
        ("墙皮掉了", Category.OTHER),
    ],
)
def test_category_is_guessed_from_the_words(text: str, expected: Category) -> None:
    assert guess_category(text) is expected


@pytest.mark.parametrize(
    ("caption", "location", "description"),
    [
        ("教学楼302教室 门锁坏了，关不上", "教学楼302教室", "门锁坏了，关不上"),
        ("302 灯管不亮", "302", "灯管不亮"),
        ("男生宿舍3楼厕所，水龙头漏水", "男生宿舍3楼厕所", "水龙头漏水"),
        ("食堂 风扇不转", "食堂", "风扇不转"),
        ("302教室门锁坏了", "302教室", "门锁坏了"),
        ("门锁坏了 请尽快修", "", "门锁坏了 请尽快修"),
        ("灯不亮", "", "灯不亮"),
    ],
)
def test_location_is_read_from_the_caption(caption: str, location: str, description: str) -> None:
    assert split_caption(caption) == (location, description)


def test_urgency_from_words_defaults_to_normal() -> None:
    assert guess_urgency("教室 灯不亮") is Urgency.NORMAL
    assert guess_urgency("紧急！水管爆了") is Urgency.URGENT
    assert guess_urgency("厕所漏水，很急") is Urgency.URGENT
    assert guess_urgency("窗帘掉了，不急") is Urgency.LOW


def test_someone_trapped_is_urgent_even_if_told_it_can_wait() -> None:
    for text in ("电梯卡住了，有人在里面！", "厕所门锁坏了，学生被关在里面", "电梯困在3楼 不急"):
        assert guess_urgency(text) is Urgency.URGENT, text


def test_full_lifecycle_reaches_verified() -> None:
    tk = ticket()
    tk.accept(BOSS, FIXER, T0 + timedelta(hours=1))
    assert (tk.state, tk.assignee_name) == (RepairState.ACCEPTED, "李四")
    tk.start(FIXER, T0 + timedelta(hours=2))
    tk.complete(FIXER, "换了锁芯", T0 + timedelta(hours=3))
    assert tk.state is RepairState.DONE and tk.done_note == "换了锁芯"
    tk.verify(TEACHER, T0 + timedelta(hours=4))
    assert tk.state is RepairState.VERIFIED


def test_second_accept_says_who_already_accepted() -> None:
    tk = ticket()
    tk.accept(BOSS, FIXER, T0)
    with pytest.raises(DomainError, match="已由 张三 受理"):
        tk.accept(BOSS2, FIXER, T0)


def test_reporter_cannot_accept_own_report() -> None:
    tk = ticket()
    with pytest.raises(DomainError, match="不能受理自己"):
        tk.accept(TEACHER, FIXER, T0)
    assert tk.state is RepairState.NEW


def test_reject_needs_a_reason_and_blocks_accept() -> None:
    tk = ticket()
    with pytest.raises(DomainError, match="理由"):
        tk.reject(BOSS, "  ", T0)
    tk.reject(BOSS, "不属于后勤维修范围", T0)
    assert tk.state is RepairState.REJECTED and tk.reason == "不属于后勤维修范围"
    with pytest.raises(DomainError, match="已由 张三 驳回"):
        tk.accept(BOSS2, FIXER, T0)


def test_only_the_assignee_starts_and_completes() -> None:
    tk = ticket()
    tk.accept(BOSS, FIXER, T0)
    with pytest.raises(DomainError, match="李四"):
        tk.start(P(9, "别人"), T0)
    tk.start(BOSS, T0, supervisor=True)
    assert tk.state is RepairState.IN_PROGRESS


def test_only_reporter_verifies_or_reopens() -> None:
    tk = ticket()
    tk.accept(BOSS, FIXER, T0)
    tk.complete(FIXER, "好了", T0)
    with pytest.raises(DomainError, match="报修人"):
        tk.verify(FIXER, T0)
    tk.reopen(TEACHER, "还是关不上", T0 + timedelta(hours=1))
    assert tk.state is RepairState.IN_PROGRESS and tk.reopen_count == 1
    assert tk.reason == "还是关不上" and tk.done_at is None


def test_cannot_start_before_accepted_or_after_done() -> None:
    tk = ticket()
    with pytest.raises(DomainError, match="待受理"):
        tk.start(FIXER, T0)
    tk.accept(BOSS, FIXER, T0)
    tk.complete(FIXER, "好了", T0)
    with pytest.raises(DomainError, match="已由 李四 标记完成"):
        tk.start(FIXER, T0)


def test_hold_and_resume_return_to_previous_state() -> None:
    tk = ticket()
    tk.accept(BOSS, FIXER, T0)
    tk.hold(BOSS, "等配件", T0)
    assert tk.state is RepairState.ON_HOLD
    with pytest.raises(DomainError, match="已由 张三 搁置"):
        tk.start(FIXER, T0)
    tk.resume(BOSS, T0 + timedelta(days=3))
    assert tk.state is RepairState.ACCEPTED and tk.work_since == T0 + timedelta(days=3)


def test_urgent_report_is_overdue_after_one_hour_normal_after_a_day() -> None:
    urgent, normal = ticket(Urgency.URGENT), ticket()
    assert urgent.overdue(T0 + timedelta(minutes=59), RULES) is None
    late = urgent.overdue(T0 + timedelta(hours=1), RULES)
    assert late is not None and (late.kind, late.period) == ("accept", 1)
    assert normal.overdue(T0 + timedelta(hours=23), RULES) is None
    late = normal.overdue(T0 + timedelta(hours=49), RULES)
    assert late is not None and late.period == 2


def test_done_deadline_counts_from_acceptance_and_hold_pauses_it() -> None:
    tk = ticket(Urgency.URGENT)
    tk.accept(BOSS, FIXER, T0 + timedelta(minutes=30))
    assert tk.overdue(T0 + timedelta(hours=48), RULES) is None
    late = tk.overdue(T0 + timedelta(hours=49), RULES)
    assert late is not None and late.kind == "done"
    tk.hold(BOSS, "等配件", T0 + timedelta(hours=50))
    assert tk.overdue(T0 + timedelta(days=30), RULES) is None


def test_reminders_stop_after_three_are_sent() -> None:
    tk = ticket(Urgency.URGENT)
    late = tk.overdue(T0 + timedelta(hours=3, minutes=5), RULES)
    assert late is not None and late.remind(already_sent=2)
    late = tk.overdue(T0 + timedelta(hours=4, minutes=5), RULES)
    assert late is not None and not late.remind(already_sent=3)


def test_a_deadline_missed_long_ago_still_gets_its_first_reminder() -> None:
    late = ticket(Urgency.URGENT).overdue(T0 + timedelta(hours=30), RULES)
    assert late is not None and late.period == 30 and late.remind(already_sent=0)


def test_overdue_urgent_reports_come_first_then_the_latest_then_the_oldest() -> None:
    def made(tid: int, urgency: Urgency, hours_ago: float) -> RepairTicket:
        tk = ticket(urgency)
        tk.id, tk.created_at = tid, T0 - timedelta(hours=hours_ago)
        return tk

    tickets = [
        made(1, Urgency.NORMAL, 100),  # 一般, 76 hours past its day: the longest overdue
        made(2, Urgency.LOW, 30),
        made(3, Urgency.URGENT, 1.5),  # 紧急 and only half an hour late: still first
        made(4, Urgency.URGENT, 5),
        made(5, Urgency.NORMAL, 30),  # as late as #2, reported at the same time
    ]
    due = []
    for tk in tickets:
        late = tk.overdue(T0, RULES)
        assert late is not None
        due.append((tk, late))
    ordered = sorted(due, key=lambda d: overdue_order(*d))
    assert [tk.id for tk, _ in ordered] == [4, 3, 1, 2, 5]


def test_past_twice_the_deadline_a_reminder_reaches_the_admins() -> None:
    tk = ticket(Urgency.URGENT)  # to be accepted within an hour
    once = tk.overdue(T0 + timedelta(hours=1, minutes=59), RULES)
    assert once is not None and once.period == 1 and not once.to_admins
    twice = tk.overdue(T0 + timedelta(hours=2), RULES)
    assert twice is not None and twice.period == 2 and twice.to_admins


def test_done_job_is_auto_verified_after_seven_days() -> None:
    tk = ticket()
    tk.accept(BOSS, FIXER, T0)
    tk.complete(FIXER, "好了", T0)
    assert not tk.auto_verify_due(T0 + timedelta(days=6, hours=23), RULES)
    assert tk.auto_verify_due(T0 + timedelta(days=7), RULES)
    tk.verify(None, T0 + timedelta(days=7))
    assert tk.state is RepairState.VERIFIED and tk.state_by_name == "系统"


def test_third_report_at_same_place_suggests_replacement() -> None:
    assert repeat_note(2) is None
    assert repeat_note(3) == "同一位置第3次报修，建议更换"
