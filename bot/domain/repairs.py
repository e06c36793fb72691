"""Repair tickets (报修单): their lifecycle, and the rules read from a teacher's caption.

The lifecycle is 待受理 → 已受理 → 维修中 → 已完成 → 已验收, with 已驳回 and 搁置 on the side
and 返修 sending a done job back to 维修中. Every transition checks the current state and
says who already decided when it is too late ("已由 张三 受理"), so a second tap or a stale
button changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.domain.errors import DomainError, ReasonRequired
from bot.domain.escalation import RepairEscalation


class Who(Protocol):
    """Someone acting on a ticket: the services' ``Actor`` or a ``Person``."""

    @property
    def user_id(self) -> int: ...

    @property
    def name(self) -> str: ...


class RepairState(StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    VERIFIED = "verified"
    REJECTED = "rejected"
    ON_HOLD = "on_hold"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self not in (RepairState.VERIFIED, RepairState.REJECTED)


_STATE_LABELS = {
    RepairState.NEW: "待受理",
    RepairState.ACCEPTED: "已受理",
    RepairState.IN_PROGRESS: "维修中",
    RepairState.DONE: "已完成",
    RepairState.VERIFIED: "已验收",
    RepairState.REJECTED: "已驳回",
    RepairState.ON_HOLD: "搁置",
}

# What the person who put a ticket into a state did, for "已由 张三 受理".
_STATE_VERBS = {
    RepairState.ACCEPTED: "受理",
    RepairState.IN_PROGRESS: "开始维修",
    RepairState.DONE: "标记完成",
    RepairState.VERIFIED: "验收",
    RepairState.REJECTED: "驳回",
    RepairState.ON_HOLD: "搁置",
}


# The steps of the lifecycle and the states each may start from (the one table every
# check reads; 受理 also takes an unassigned job back from 搁置).
_WORKING = (RepairState.ACCEPTED, RepairState.IN_PROGRESS)
STEPS: dict[str, tuple[RepairState, ...]] = {
    "accept": (RepairState.NEW,),
    "reject": (RepairState.NEW, RepairState.ON_HOLD),
    "hold": (RepairState.NEW, *_WORKING),
    "resume": (RepairState.ON_HOLD,),
    "reassign": _WORKING,
    "start": (RepairState.ACCEPTED,),
    "complete": _WORKING,
    "verify": (RepairState.DONE,),
    "reopen": (RepairState.DONE,),
}
# Steps only the assigned repairer (or a supervisor) takes; steps for the reporter.
_WORKER_STEPS = frozenset({"start", "complete"})
_REPORTER_STEPS = frozenset({"verify", "reopen"})


class Urgency(StrEnum):
    URGENT = "urgent"
    NORMAL = "normal"
    LOW = "low"

    @property
    def label(self) -> str:
        return {"urgent": "紧急", "normal": "一般", "low": "不急"}[self.value]


class Category(StrEnum):
    DOOR_WINDOW = "door_window"
    LOCK = "lock"
    FURNITURE = "furniture"
    WATER = "water"
    ELECTRIC = "electric"
    APPLIANCE = "appliance"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _CATEGORY_LABELS[self]


_CATEGORY_LABELS = {
    Category.DOOR_WINDOW: "门窗",
    Category.LOCK: "门锁",
    Category.FURNITURE: "课桌椅",
    Category.WATER: "水",
    Category.ELECTRIC: "电/灯",
    Category.APPLIANCE: "电器",
    Category.OTHER: "其他",
}

# Keywords from the year-end summaries (门窗, 门锁, 课桌椅, 水电, 灯管, 阀门水嘴, 下水道,
# 电器设备 ...). Listed in priority order: when two keywords of the same length match, the
# earlier category wins (空调漏水 is an appliance fault, not plumbing).
CATEGORY_KEYWORDS: tuple[tuple[Category, tuple[str, ...]], ...] = (
    (Category.LOCK, ("门锁", "锁芯", "锁头", "锁", "钥匙", "门把手", "把手", "插销")),
    (
        Category.APPLIANCE,
        (
            "空调",
            "风扇",
            "电扇",
            "投影仪",
            "投影",
            "电脑",
            "电视",
            "一体机",
            "白板",
            "打印机",
            "音响",
            "话筒",
            "饮水机",
            "热水器",
            "冰箱",
            "消毒柜",
            "电器",
            "显示器",
            "广播",
        ),
    ),
    (
        Category.WATER,
        (
            "水龙头",
            "龙头",
            "水嘴",
            "阀门",
            "漏水",
            "渗水",
            "下水道",
            "水管",
            "马桶",
            "便池",
            "堵塞",
            "堵了",
            "不出水",
            "没水",
            "停水",
            "水箱",
            "冲水",
            "洗手池",
            "水池",
            "水",
        ),
    ),
    (
        Category.ELECTRIC,
        (
            "灯管",
            "电灯",
            "灯泡",
            "路灯",
            "灯",
            "插座",
            "开关",
            "跳闸",
            "电线",
            "线路",
            "停电",
            "没电",
            "漏电",
            "电闸",
            "电箱",
            "电",
        ),
    ),
    (
        Category.FURNITURE,
        (
            "课桌椅",
            "课桌",
            "桌椅",
            "椅子",
            "凳子",
            "讲台",
            "桌",
            "椅",
            "凳",
            "柜子",
            "书柜",
            "床",
            "黑板",
        ),
    ),
    (
        Category.DOOR_WINDOW,
        ("门窗", "窗户", "窗框", "纱窗", "窗帘", "玻璃", "合页", "门", "窗"),
    ),
)


def guess_category(text: str) -> Category:
    """The category whose longest keyword occurs in ``text``; 其他 when none does."""
    best: tuple[int, int] | None = None  # (-length, priority)
    found = Category.OTHER
    for priority, (category, words) in enumerate(CATEGORY_KEYWORDS):
        for word in words:
            if word in text:
                key = (-len(word), priority)
                if best is None or key < best:
                    best, found = key, category
    return found


def parse_category(text: str) -> Category:
    """A typed category: its name ("门锁", "电/灯") or a word of it ("灯", "电", "窗户")."""
    value = text.strip()
    for category in Category:
        if value in (category.value, category.label):
            return category
    guess = guess_category(value)
    if value and guess is not Category.OTHER:
        return guess
    raise DomainError("没有这个类别，请用按钮选择。")


# What a reply to a notification may start with, and the step it asks for. Besides the
# button words, the everyday ones people type ("已修好，换了阀门", "还是不行，还在漏").
REPLY_WORDS: tuple[tuple[str, str], ...] = (
    ("受理", "accept"),
    ("同意", "accept"),
    ("驳回", "reject"),
    ("开始", "start"),
    ("完成", "done"),
    ("已完成", "done"),
    ("已修好", "done"),
    ("验收", "verify"),
    ("没问题", "verify"),
    ("可以了", "verify"),
    ("返修", "reopen"),
    ("没修好", "reopen"),
    ("还是坏的", "reopen"),
    ("还是不行", "reopen"),
)
# Replies that are a complaint in themselves: the whole text is the 返修 reason.
_SELF_EXPLAINING = frozenset({"没修好", "还是坏的", "还是不行"})


def parse_reply(text: str) -> tuple[str | None, str]:
    """``"驳回 重复报修"`` → ``("reject", "重复报修")``; ``"完成了"`` → ``("done", "")``;
    ``"还是不行，还在漏"`` → ``("reopen", "还是不行，还在漏")``; else ``(None, text)``."""
    value = text.strip()
    for word, step in sorted(REPLY_WORDS, key=lambda item: -len(item[0])):
        if value.startswith(word):
            if word in _SELF_EXPLAINING:
                return step, value
            rest = value[len(word) :].lstrip("了啦")
            return step, rest.strip(" ：:，,。！!.")
    return None, value


def parse_urgency(text: str) -> Urgency:
    value = text.strip()
    for urgency in Urgency:
        if value in (urgency.value, urgency.label):
            return urgency
    raise DomainError("紧急程度请选 紧急、一般 或 不急。")


def guess_urgency(text: str) -> Urgency:
    """不急 → 不急; 紧急 or 急 (着急, 急修 ...) → 紧急; otherwise 一般."""
    if "不急" in text or "不着急" in text:
        return Urgency.LOW
    if "急" in text:
        return Urgency.URGENT
    return Urgency.NORMAL


PLACE_WORDS = (
    "办公室",
    "实验室",
    "教学楼",
    "教室",
    "宿舍",
    "食堂",
    "后厨",
    "厨房",
    "操场",
    "厕所",
    "卫生间",
    "走廊",
    "楼梯",
    "大厅",
    "礼堂",
    "图书馆",
    "机房",
    "仓库",
    "车棚",
    "大门",
    "门口",
    "门卫",
    "楼",
    "室",
    "馆",
    "厅",
    "层",
    "号",
    "栋",
    "幢",
    "座",
    "班",
    "房",
)
_SPLIT = re.compile(r"[\s，,：:；;。！!]+")
_PLACES = "|".join(sorted(map(re.escape, PLACE_WORDS), key=len, reverse=True))
# Characters that start the fault, never part of a place: "302教室的门锁", "水管爆了".
_FAULT_CHARS = "的坏漏不没掉破裂断堵爆松冒了"
_PLACE_PART = re.compile(
    rf"(?:[^\d{_FAULT_CHARS}]{{0,8}}?(?:{_PLACES})"  # 教学楼, 三楼, 男厕所, A座
    rf"|[^\d{_FAULT_CHARS}]{{0,3}}?[(（]?[A-Za-z]?\d+[A-Za-z]?[)）]?)"  # 302, 高一(3), 5栋
)
_LEADING_FILLER = re.compile(r"^(?:[上里内外旁边]*的|[，,：:；;。\s])+")
MAX_LOCATION = 40
MAX_DESCRIPTION = 500


def looks_like_place(token: str) -> bool:
    return bool(token) and (
        any(ch.isdigit() for ch in token) or any(w in token for w in PLACE_WORDS)
    )


def _place_prefix(text: str) -> str:
    """The longest run of place parts at the start:
    "教学楼三楼男厕所水龙头漏水" → "教学楼三楼男厕所"."""
    end = 0
    while m := _PLACE_PART.match(text, end):
        if m.end() == end:
            break
        end = m.end()
    return text[:end]


def _whole_place(token: str, *, first: bool) -> bool:
    """A token that is nothing but a place: "教学楼302教室", "初二3班"; the first token
    may also be a looser place ("教学楼西侧") if it names no fault ("走廊灯" does)."""
    if _place_prefix(token) == token:
        return True
    return (
        first
        and looks_like_place(token)
        and not any(ch in _FAULT_CHARS for ch in token)
        and guess_category(token) is Category.OTHER
    )


def _names_a_thing(text: str) -> bool:
    """Whether ``text`` names a broken thing ("空调遥控器型号"), so it is not a place."""
    return any(len(w) > 1 and w in text for _, words in CATEGORY_KEYWORDS for w in words)


def has_words(caption: str) -> bool:
    """Whether a caption says anything (letters, digits or 汉字), not only emoji."""
    return any(ch.isalnum() for ch in caption)


def split_caption(caption: str) -> tuple[str, str]:
    """``"教学楼302教室 门锁坏了，关不上"`` → ``("教学楼302教室", "门锁坏了，关不上")``.

    The leading tokens that are places make the location ("教学楼 302教室 门锁坏了");
    without a separator, the leading place phrase is taken ("教学楼三楼男厕所水龙头漏水",
    "二楼办公室的灯坏了"). If nothing looks like a place, the location is empty and the
    whole caption is the description; a caption that is only a place leaves it empty.
    """
    text = caption.strip()
    places: list[str] = []
    pos = 0
    for m in re.finditer(r"[^\s，,：:；;。！!]+", text):
        if not _whole_place(m.group(), first=not places):
            break
        places.append(m.group())
        pos = m.end()
    if not places:
        prefix = _place_prefix(text)
        if prefix and not _names_a_thing(prefix):
            places, pos = [prefix], len(prefix)
    rest = _LEADING_FILLER.sub("", text[pos:]).strip()
    location = " ".join(places)
    if len(location) > MAX_LOCATION:
        return "", text
    return location, rest


def location_key(location: str) -> str:
    """How two locations are compared for repeated faults: no spaces, no case."""
    return re.sub(r"\s+", "", location).lower()


REPEAT_WINDOW = timedelta(days=90)
REPEAT_THRESHOLD = 3


def repeat_note(count: int) -> str | None:
    """``count`` includes the new report: the 3rd in 90 days suggests a replacement."""
    if count >= REPEAT_THRESHOLD:
        return f"同一位置第{count}次报修，建议更换"
    return None


@dataclass
class RepairTicket:
    """One report. Methods change it in memory; the repository saves it only if nobody
    else changed it in between (``version`` compare-and-set)."""

    id: int
    reporter_id: int
    reporter_name: str
    location: str
    description: str
    category: Category
    urgency: Urgency
    created_at: datetime
    state: RepairState = RepairState.NEW
    state_at: datetime | None = None
    state_by_id: int | None = None
    state_by_name: str | None = None
    assignee_id: int | None = None
    assignee_name: str | None = None
    accepted_at: datetime | None = None
    started_at: datetime | None = None
    done_at: datetime | None = None
    done_note: str | None = None
    verified_at: datetime | None = None
    reason: str | None = None  # why it was rejected, put on hold or sent back
    hold_from: RepairState | None = None
    reopen_count: int = 0
    work_since: datetime | None = None  # when the current round of work began (deadline)
    patrol_round_id: int | None = None
    version: int = 0

    @property
    def number(self) -> str:
        return f"#{self.id}"

    # ---- checks -------------------------------------------------------------------
    def _decided(self) -> DomainError:
        """The answer for a tap that comes too late."""
        verb = _STATE_VERBS.get(self.state)
        if verb and self.state_by_name:
            return DomainError(f"已由 {self.state_by_name} {verb}")
        return DomainError(f"报修单 {self.number} 当前状态是「{self.state.label}」，不能这样操作。")

    def _set(self, state: RepairState, by: Who | None, now: datetime) -> None:
        self.state = state
        self.state_at = now
        self.state_by_id = by.user_id if by else None
        self.state_by_name = by.name if by else "系统"

    def check(self, step: str, by: Who | None, *, supervisor: bool = False) -> None:
        """May ``by`` take ``step`` (a key of ``STEPS``) now? Changes nothing; raises the
        short answer ("已由 张三 受理", "只有报修人…") when not. ``by=None``: the system."""
        allowed = STEPS[step]
        unassigned_hold = self.state is RepairState.ON_HOLD and self.assignee_id is None
        if self.state not in allowed and not (step == "accept" and unassigned_hold):
            raise self._decided()
        if by is None:
            return
        if step == "accept" and by.user_id == self.reporter_id:
            raise DomainError("不能受理自己提交的报修，请由其他监督员受理。")
        if supervisor:
            return
        if step in _WORKER_STEPS and by.user_id != self.assignee_id:
            raise DomainError(f"这张报修单派给了 {self.assignee_name or '别人'}，只有他/她能操作。")
        if step in _REPORTER_STEPS and by.user_id != self.reporter_id:
            raise DomainError("只有报修人或监督员可以验收或返修。")

    # ---- transitions --------------------------------------------------------------
    def accept(self, by: Who, assignee: Who, now: datetime) -> None:
        self.check("accept", by)
        self.assignee_id, self.assignee_name = assignee.user_id, assignee.name
        self.accepted_at = now
        self.work_since = now
        self.reason = None
        self.hold_from = None
        self._set(RepairState.ACCEPTED, by, now)

    def reassign(self, by: Who, assignee: Who, now: datetime) -> None:
        """改派: another repairer takes over an accepted or started job; their clock
        starts now and they begin from 已受理."""
        self.check("reassign", by, supervisor=True)
        if assignee.user_id == self.assignee_id:
            raise DomainError(f"报修单 {self.number} 已经派给 {assignee.name} 了。")
        self.assignee_id, self.assignee_name = assignee.user_id, assignee.name
        self.started_at = None
        self.work_since = now
        self._set(RepairState.ACCEPTED, by, now)

    def start(self, by: Who, now: datetime, *, supervisor: bool = False) -> None:
        self.check("start", by, supervisor=supervisor)
        self.started_at = now
        self._set(RepairState.IN_PROGRESS, by, now)

    def complete(
        self, by: Who, note: str | None, now: datetime, *, supervisor: bool = False
    ) -> None:
        self.check("complete", by, supervisor=supervisor)
        if self.started_at is None:
            self.started_at = now
        self.done_at = now
        self.done_note = (note or "").strip()[:MAX_DESCRIPTION] or None
        self.reason = None
        self._set(RepairState.DONE, by, now)

    def verify(self, by: Who | None, now: datetime, *, supervisor: bool = False) -> None:
        """``by=None``: verified automatically after the waiting period."""
        self.check("verify", by, supervisor=supervisor)
        self.verified_at = now
        self._set(RepairState.VERIFIED, by, now)

    def reopen(self, by: Who, reason: str, now: datetime, *, supervisor: bool = False) -> None:
        """返修: the fix did not hold; back to 维修中 with the same repairer."""
        self.check("reopen", by, supervisor=supervisor)
        self.reason = _reason(reason, required=False) or "报修人要求返修"
        self.done_at = None
        self.done_note = None
        self.reopen_count += 1
        self.work_since = now
        self._set(RepairState.IN_PROGRESS, by, now)

    def reject(self, by: Who, reason: str, now: datetime) -> None:
        self.check("reject", by, supervisor=True)
        self.reason = _reason(reason, required=True)
        self._set(RepairState.REJECTED, by, now)

    def hold(self, by: Who, reason: str, now: datetime) -> None:
        self.check("hold", by, supervisor=True)
        self.reason = _reason(reason, required=True)
        self.hold_from = self.state
        self._set(RepairState.ON_HOLD, by, now)

    def resume(self, by: Who, now: datetime) -> None:
        self.check("resume", by, supervisor=True)
        back = self.hold_from or RepairState.NEW
        if back is not RepairState.NEW and self.assignee_id is None:
            back = RepairState.NEW
        self.hold_from = None
        self.reason = None
        if back is not RepairState.NEW:
            self.work_since = now
        self._set(back, by, now)

    def recategorise(self, category: Category) -> None:
        if not self.state.is_open:
            raise self._decided()
        self.category = category

    # ---- deadlines ----------------------------------------------------------------
    def overdue(self, now: datetime, rules: RepairEscalation) -> Overdue | None:
        """Which deadline this ticket has missed, if any (搁置 pauses every clock)."""
        urgent = self.urgency is Urgency.URGENT
        if self.state is RepairState.NEW:
            period = timedelta(
                hours=rules.urgent_accept_hours if urgent else rules.normal_accept_hours
            )
            return _overdue("accept", self.created_at, period, now)
        if self.state in (RepairState.ACCEPTED, RepairState.IN_PROGRESS):
            period = timedelta(hours=rules.urgent_done_hours if urgent else rules.normal_done_hours)
            since = self.work_since or self.accepted_at or self.created_at
            return _overdue("done", since, period, now)
        return None

    def auto_verify_due(self, now: datetime, rules: RepairEscalation) -> bool:
        return (
            self.state is RepairState.DONE
            and self.done_at is not None
            and now - self.done_at >= timedelta(days=rules.verify_days)
        )


MAX_REMINDERS = 3  # per deadline: a forgotten ticket nags three times, then stays quiet


@dataclass(frozen=True)
class Overdue:
    """A missed deadline: ``kind`` accept/done, counted from ``since``; ``period`` is the
    how-many-th period has passed (1 = just missed). At most one reminder per (kind, since,
    period), and ``MAX_REMINDERS`` per (kind, since)."""

    kind: str
    since: datetime
    period: int
    late_by: timedelta

    def remind(self, already_sent: int) -> bool:
        """Whether to remind now, given the reminders already sent for this deadline
        (counted, not read from ``period``: after a long outage the first reminder still
        goes out, once)."""
        return already_sent < MAX_REMINDERS


def _overdue(kind: str, since: datetime, period: timedelta, now: datetime) -> Overdue | None:
    elapsed = now - since
    if elapsed < period:
        return None
    return Overdue(kind, since, int(elapsed / period), elapsed - period)


def _reason(text: str | None, *, required: bool) -> str:
    value = (text or "").strip()[:MAX_DESCRIPTION]
    if required and not value:
        raise ReasonRequired("请写明理由。")
    return value


def clean_location(text: str) -> str:
    value = " ".join(text.split())
    if not value:
        raise DomainError("请写上位置，例如：教学楼302教室。")
    if len(value) > MAX_LOCATION:
        raise DomainError(f"位置太长了，请控制在{MAX_LOCATION}个字以内。")
    return value


def clean_description(text: str) -> str:
    value = text.strip()
    if not value:
        raise DomainError("请简单描述一下故障，例如：门锁坏了，关不上。")
    if len(value) > MAX_DESCRIPTION:
        raise DomainError(f"描述太长了，请控制在{MAX_DESCRIPTION}个字以内。")
    return value
