"""Repair tickets (报修单): their lifecycle, and the rules read from a teacher's caption.

The lifecycle is 待受理 → 已受理 → 维修中 → 已完成 → 已验收, with 已驳回 and 搁置 on the side
and 返修 sending a done job back to 维修中. Every transition checks the current state and
says who already decided when it is too late ("已由 张三 受理"), so a second tap or a stale
button changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
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
# 电器设备 ...) and from everyday repair tickets. The text is read left to right taking the
# longest keyword at each place, so a longer word hides the short ones inside it (电梯 is
# not 电, 衣柜门 is not 门, 热水器 is not 水). Then the longest keyword found wins; on a tie
# the earlier category here wins (空调漏水 is an appliance fault, not plumbing).
CATEGORY_KEYWORDS: tuple[tuple[Category, tuple[str, ...]], ...] = (
    (Category.LOCK, ("门锁", "锁芯", "锁头", "锁", "钥匙", "门把手", "把手", "插销", "门禁",
                     "锁舌", "挂锁")),
    (
        Category.APPLIANCE,
        (
            "空调", "风扇", "电扇", "吊扇", "排风扇", "排气扇", "换气扇", "投影仪", "投影",
            "幕布", "电脑", "电视", "一体机", "白板", "电子白板", "打印机", "复印机", "音响",
            "话筒", "麦克风", "功放", "饮水机", "热水器", "开水器", "电开水器", "净水器",
            "冰箱", "冰柜", "冷柜", "冷藏柜", "冷冻柜", "保鲜柜", "消毒柜", "蒸饭车", "蒸饭柜",
            "蒸柜", "蒸箱", "油烟机", "抽油烟机", "和面机", "绞肉机", "切菜机", "洗碗机",
            "烤箱", "微波炉", "电饭锅", "电磁炉", "电炸炉", "电器", "显示器", "广播", "监控",
            "摄像头", "洗衣机", "烘干机", "电热水壶", "门铃", "燃气灶", "灶台", "炉灶",
        ),
    ),
    (
        Category.WATER,
        (
            "水龙头", "龙头", "水嘴", "阀门", "漏水", "渗水", "滴水", "积水", "下水道", "下水",
            "排水", "水管", "管道", "马桶", "坐便", "蹲坑", "蹲便", "便池", "小便池", "小便斗",
            "堵塞", "堵了", "不出水", "没水", "停水", "水箱", "冲水", "洗手池", "洗手盆",
            "洗菜池", "水槽", "水池", "花洒", "淋浴", "喷头", "地漏", "水表", "反水", "冒水",
            "返水", "水",
        ),
    ),
    (
        Category.ELECTRIC,
        (
            "灯管", "电灯", "灯泡", "日光灯", "吸顶灯", "应急灯", "路灯", "灯", "插座", "插头",
            "开关", "空开", "跳闸", "电线", "线路", "电路", "停电", "没电", "漏电", "电闸",
            "电箱", "配电箱", "保险丝", "电表", "电",
        ),
    ),
    (
        Category.FURNITURE,
        (
            "课桌椅", "课桌", "桌椅", "椅子", "凳子", "讲台", "讲桌", "桌", "椅", "凳", "柜子",
            "书柜", "衣柜", "柜门", "衣柜门", "柜门锁", "抽屉", "床", "床板", "床架", "黑板",
            "书架", "储物柜", "更衣柜", "文件柜", "铁皮柜", "沙发",
        ),
    ),
    (
        Category.DOOR_WINDOW,
        ("门窗", "窗户", "窗框", "纱窗", "窗帘", "玻璃", "合页", "门", "窗", "卷帘门",
         "伸缩门", "电动门", "自动门", "防盗门", "铁门", "闭门器", "推拉门"),
    ),
    # Words that name no fault of ours but hide the keywords inside them (电梯 is no 电/灯,
    # 门口 no 门): they are read, and count for nothing.
    (
        Category.OTHER,
        ("电梯", "电梯门", "电话", "门口", "门卫", "门卫室", "大门口", "校门口", "门前", "电教",
         "电子屏", "电脑室", "电教室", "配电房", "配电室", "水房", "开水房", "水泥", "水渍", "墙",
         "地砖", "瓷砖", "天花板", "吊顶", "屋顶", "楼顶", "防水", "燃气", "煤气", "天然气"),
    ),
)  # fmt: skip
_KEYWORD_CATEGORY = {w: c for c, words in CATEGORY_KEYWORDS for w in words}
_KEYWORD_PRIORITY = {c: i for i, (c, _) in enumerate(CATEGORY_KEYWORDS)}
_LONGEST_KEYWORD = max(map(len, _KEYWORD_CATEGORY))


def category_words(text: str) -> list[tuple[str, Category]]:
    """The keywords read in ``text``, left to right, the longest at each place."""
    found: list[tuple[str, Category]] = []
    i = 0
    while i < len(text):
        for size in range(min(_LONGEST_KEYWORD, len(text) - i), 0, -1):
            word = text[i : i + size]
            if word in _KEYWORD_CATEGORY:
                found.append((word, _KEYWORD_CATEGORY[word]))
                i += size
                break
        else:
            i += 1
    return found


def guess_category(text: str) -> Category:
    """The category of the longest keyword read in ``text``; 其他 when none does."""
    words = [(w, c) for w, c in category_words(text) if c is not Category.OTHER]
    if not words:
        return Category.OTHER
    return min(words, key=lambda wc: (-len(wc[0]), _KEYWORD_PRIORITY[wc[1]]))[1]


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


# Dangers: urgent even if the reporter adds 不急 (a sparking socket is never 不急).
HAZARD_WORDS = (
    "冒烟", "起火", "失火", "火苗", "冒火", "火花", "打火", "烧焦", "焦味", "糊味", "漏电",
    "触电", "电到人", "电人", "燃气味", "煤气味", "天然气味", "燃气泄漏", "煤气泄漏", "漏气",
    "爆炸", "塌", "坍", "困人", "被困", "困在", "有人在里面", "人在里面", "关在里面",
    "砸到", "砸伤", "危险", "快来",
)  # fmt: skip
# What the fault does: urgent unless the reporter says it can wait.
IMPACT_WORDS = (
    "紧急", "急", "爆", "漫水", "水漫", "满地", "一地水", "全是水", "不停", "止不住",
    "关不住", "喷水", "严重", "立即", "马上", "立刻", "赶紧", "无法使用", "没法用", "用不了了",
    "停电", "进水", "淹", "断电", "全楼", "整栋", "整层",
)  # fmt: skip
# 着火 but not 打不着火 (a stove that will not light), and three exclamation marks.
_HAZARD = re.compile(r"(?<!不)着火|[!！]{3}")
LOW_WORDS = ("不急", "不着急", "不用急", "别急", "不紧急", "不太急", "不是很急", "不很急", "有空",
             "方便时", "方便的时候")  # fmt: skip
_NOT_SERIOUS = re.compile(r"不(?:太|是很|很|算)?严重")


def guess_urgency(text: str) -> Urgency:
    """Urgent from a danger (冒烟, 漏电, 燃气味, 塌, 「!!!」…) or from what the fault does
    (爆, 不停, 严重, 停电, 进水, 淹…) or the word 急; 不急 / 有空 → 不急; otherwise 一般."""
    value = normalise_caption(text).replace("应急", "")  # 应急灯 is no emergency
    if any(word in value for word in HAZARD_WORDS) or _HAZARD.search(value):
        return Urgency.URGENT
    if any(word in value for word in LOW_WORDS):
        return Urgency.LOW
    value = _NOT_SERIOUS.sub("", value)  # 漏水不严重 is no emergency
    if any(word in value for word in IMPACT_WORDS):
        return Urgency.URGENT
    return Urgency.NORMAL


def urgency_raised(text: str) -> bool:
    """Whether a later note about a report makes it urgent ("补充：地上全是水，挺急的")."""
    return guess_urgency(text) is Urgency.URGENT


# Full-width letters and digits as typed on a phone's Chinese keyboard, and the
# ideographic space: one character for one, so positions in the text stay the same.
_FULL_WIDTH = {0xFF10 + i: 0x30 + i for i in range(10)}
_FULL_WIDTH.update({0xFF21 + i: 0x41 + i for i in range(26)})
_FULL_WIDTH.update({0xFF41 + i: 0x61 + i for i in range(26)})
_FULL_WIDTH.update({0x3000: 0x20, 0xFF0D: 0x2D, 0xFF03: 0x23})


def normalise_caption(text: str) -> str:
    """「３０２教室」 → 「302教室」; Chinese punctuation is kept as typed."""
    return text.translate(_FULL_WIDTH)


# Words that name a place by themselves (longest tried first) ...
PLACE_WORDS = (
    "办公室", "实验室", "会议室", "阅览室", "医务室", "保健室", "广播室", "档案室", "资料室",
    "值班室", "门卫室", "传达室", "电脑室", "微机室", "电教室", "计算机房", "配电房", "配电室",
    "锅炉房", "开水房", "水房", "洗衣房", "浴室", "澡堂", "教学楼", "实验楼", "行政楼", "办公楼",
    "综合楼", "科技楼", "艺术楼", "宿舍楼", "图书楼", "教室", "宿舍", "寝室", "食堂", "餐厅",
    "后厨", "厨房", "操作间", "仓库", "库房", "操场", "跑道", "球场", "篮球场", "足球场",
    "体育馆", "风雨操场", "厕所", "男厕所", "女厕所", "男厕", "女厕", "卫生间", "洗手间",
    "盥洗室", "走廊", "楼道", "楼梯间", "楼梯口", "楼梯", "大厅", "门厅", "礼堂", "报告厅",
    "图书馆", "机房", "车棚", "车库", "停车场", "大门", "校门口", "门口", "门卫", "围墙边",
    "花坛", "围墙", "天台", "楼顶", "屋顶", "地下室", "小卖部", "超市", "年级", "校区", "院子",
)  # fmt: skip
# ... and the ones that need a name or a number before them (三楼, 5号, A栋, 二班).
_SUFFIXES = "楼室馆厅层号栋幢座班房厕舍区"
# Characters that start the fault or the request, never part of a place: "302教室的门锁",
# "水管爆了", "电梯停在三楼", "宿舍5-302修一下灯".
_FAULT_CHARS = "的坏漏不没掉破裂断堵爆松冒了关碎歪响闪在修有是和也又还很太好"
_SEPARATORS = r"\s，,：:；;。！!？?、~～…"
_SEPARATOR_CHARS = " \t\n，,：:；;。！!？?、~～…"
_NOT_PLACE = rf"[^\d{_SEPARATORS}{_FAULT_CHARS}]"
# 宿舍楼梯口 is 宿舍 + 楼梯口, not 宿舍楼 + 梯口: a 楼 followed by 梯/道/顶 starts a word.
_MULTI = "|".join(
    re.escape(w) + ("(?![梯道顶])" if w.endswith("楼") else "")
    for w in sorted(PLACE_WORDS, key=len, reverse=True)
)
_SUFFIX = rf"(?:楼(?![梯道顶])|[{_SUFFIXES.replace('楼', '')}])"
_NUMBER = r"[(（]?[A-Za-z]?\d+(?:[-—－]\d+)*[A-Za-z]?[)）]?"
_PLACE_PART = re.compile(
    rf"(?:{_NOT_PLACE}{{0,8}}?(?:{_MULTI})"  # 教学楼, 男生宿舍, 二楼教师办公室
    rf"|{_NOT_PLACE}{{1,8}}?{_SUFFIX}"  # 三楼, A栋, 三年级二班
    rf"|(?P<number>{_NOT_PLACE}{{0,3}}?{_NUMBER})(?P<after>{_MULTI}|{_SUFFIX})?)"  # 302, 高一(3)班
)
# A number alone is a place only when it looks like a room (302, A12, 5-302); "3盏灯",
# "2个" are counts.
_ROOM_NUMBER = re.compile(r"\d{3,}|[A-Za-z]\d|\d[A-Za-z]|\d[-—－]\d")
_COUNTED = re.compile(r"\d+\s*[个只根盏张把块扇处次天台套条组间位名米]")
_CLAUSE = re.compile(rf"[^{_SEPARATORS}]+")
# What people put before the place: "紧急!", "请到", "在", "麻烦师傅去".
_LEAD_WORDS = re.compile(
    r"(?:紧急|特急|很急|急|报修|您好|你好|老师好|老师|师傅|麻烦|您|你|请|帮忙|快来|快|在|到|去"
    r"|位于|地点|位置|地址|就在|是)+"
)
_AT = re.compile(r"在|到|位于")
_LEADING_FILLER = re.compile(rf"^(?:[上下里内外旁边前后面对附近]*的|[{_SEPARATORS}])+")
_TRAILING_AT = re.compile(rf"(?:在|到|去|位于|地点|位置|地址|[{_SEPARATORS}])+$")
MAX_LOCATION = 40
MAX_DESCRIPTION = 500


def looks_like_place(token: str) -> bool:
    return (
        bool(token)
        and not _COUNTED.search(token)
        and (
            any(ch.isdigit() for ch in token)
            or any(w in token for w in PLACE_WORDS)
            or any(ch in _SUFFIXES for ch in token[1:])
        )
    )


def _place_prefix(text: str) -> str:
    """The longest run of place parts at the start:
    "教学楼三楼男厕所水龙头漏水" → "教学楼三楼男厕所"; never a count ("3盏灯")."""
    end = 0
    while m := _PLACE_PART.match(text, end):
        if m.end() == end:
            break
        if m["number"] and not m["after"] and not _ROOM_NUMBER.search(m["number"]):
            break  # a short bare number: a count or a size, not a room
        if _names_a_thing(m.group()):
            break  # "302插座": 插座 is the broken thing, not a room
        end = m.end()
    return text[:end]


def _names_a_thing(text: str) -> bool:
    """Whether ``text`` names a broken thing ("空调遥控器型号"), so it is not a place."""
    return any(
        len(w) > 1 and c is not Category.OTHER and w not in PLACE_WORDS
        for w, c in category_words(text)
    )


def _whole_place(token: str, *, first: bool) -> bool:
    """A token that is nothing but a place: "教学楼302教室", "初二3班"; the first token
    may also be a looser place ("教学楼西侧") if it names no fault ("走廊灯" does)."""
    if _place_prefix(token) == token and not _names_a_thing(token):
        return True
    return (
        first
        and looks_like_place(token)
        and not any(ch in _FAULT_CHARS for ch in token)
        and not any(len(w) > 1 and w not in PLACE_WORDS for w, _ in category_words(token))
    )


def has_words(caption: str) -> bool:
    """Whether a caption says anything (letters, digits or 汉字), not only emoji."""
    return any(ch.isalnum() for ch in caption)


def _place_span(text: str) -> tuple[int, int, bool] | None:
    """Where the place is in ``text``: (start, end, inside a sentence). Looked for at the
    start of each phrase (after "紧急!", "请到", "在"), then after 在/到 inside one."""
    clauses = list(_CLAUSE.finditer(text))
    first = True
    for index, m in enumerate(clauses):
        clause = m.group()
        lead = _LEAD_WORDS.match(clause)
        skip = lead.end() if lead else 0
        body = clause[skip:]
        if not body:
            continue
        start = m.start() + skip
        if _whole_place(body, first=first):
            end = m.end()
            for later in clauses[index + 1 :]:  # "教学楼 302教室 门锁坏了"
                if text[end : later.start()].isspace() and _whole_place(later.group(), first=False):
                    end = later.end()
                else:
                    break
            return start, end, False
        first = False
        prefix = _place_prefix(body)
        if prefix and not _names_a_thing(prefix):
            return start, start + len(prefix), False
        for at in _AT.finditer(body):  # "电梯停在三楼不动"
            prefix = _place_prefix(body[at.end() :])
            if prefix and not _names_a_thing(prefix):
                begin = start + at.end()
                return begin, begin + len(prefix), True
    return None


def split_caption(caption: str) -> tuple[str, str]:
    """``"教学楼302教室 门锁坏了，关不上"`` → ``("教学楼302教室", "门锁坏了，关不上")``.

    The place may be anywhere: at the start ("三楼女厕水龙头关不紧"), after what people
    put first ("紧急!实验楼二楼走廊电线冒火花", "请到宿舍5-302修一下灯") or after the
    fault ("水管爆了，在实验楼三楼"). The description is the rest. If nothing looks like a
    place, the location is empty and the whole caption is the description; a caption that
    is only a place leaves it empty. Full-width digits and letters are read as ASCII.
    """
    text = normalise_caption(caption).strip()
    span = _place_span(text)
    if span is None:
        return "", text
    start, end, inside = span
    location = " ".join(text[start:end].split())
    if len(location) > MAX_LOCATION:
        return "", text
    if inside:  # "电梯停在三楼不动": the sentence reads best whole
        return location, text
    before = _TRAILING_AT.sub("", text[:start])
    after = _LEADING_FILLER.sub("", text[end:]).strip()
    if not before:
        return location, after
    if _LEAD_WORDS.fullmatch(re.sub(rf"[{_SEPARATORS}]", "", before)):
        raw = text[:start]  # "紧急!" + "电线冒火花", "请" + "修一下灯"
        return location, (raw if after and raw[-1] in _SEPARATOR_CHARS else before) + after
    return location, f"{before}，{after}" if after else before


@dataclass(frozen=True)
class CaptionReading:
    """What a caption says: where, what, which category, how urgent."""

    location: str
    description: str
    category: Category
    urgency: Urgency


def read_caption(caption: str) -> CaptionReading:
    """The whole reading of a report's caption; the category comes from the fault when it
    names one, else from the whole caption ("电脑室" alone is no 电器 fault)."""
    location, description = split_caption(caption)
    category = guess_category(description)
    if category is Category.OTHER:
        category = guess_category(normalise_caption(caption))
    return CaptionReading(location, description, category, guess_urgency(caption))


def location_key(location: str) -> str:
    """How two locations are compared for repeated faults and duplicates: full-width
    characters as ASCII, no spaces, no case ("３０２ 教室" = "302教室")."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", location)).lower()


def patrol_place(item: str, note: str | None) -> str:
    """Where a patrol finding is: the place in the patroller's note ("二楼男厕水龙头关不紧"),
    else the place the checklist item names ("食堂卫生：操作间…" → 食堂), else none."""
    for text in (note or "", item):
        location, _ = split_caption(text)
        if location:
            return location
    return ""


REPEAT_WINDOW = timedelta(days=90)
# A caption corrected this soon after sending (a typo, a forgotten room number) updates the
# report; later, someone may already be on the way, so a note is the way to add to it.
REVISE_WINDOW = timedelta(minutes=10)
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

    def return_job(self, by: Who, now: datetime) -> bool:
        """The repairer left (removed by an admin): an accepted or started job goes back to
        the supervisors as 待受理, to be assigned again. False when there is nothing to take
        back (not assigned, already done or closed)."""
        if self.assignee_id is None or self.state not in (*_WORKING, RepairState.ON_HOLD):
            return False
        self.assignee_id, self.assignee_name = None, None
        self.started_at = None
        self.work_since = None
        if self.state is RepairState.ON_HOLD:
            self.hold_from = RepairState.NEW  # 恢复 later brings it back to 待受理
            self.state_at, self.state_by_id, self.state_by_name = now, by.user_id, by.name
        else:
            self._set(RepairState.NEW, by, now)
        return True

    def recategorise(self, category: Category) -> None:
        if not self.state.is_open:
            raise self._decided()
        self.category = category

    def revise(self, reading: CaptionReading, by: Who, now: datetime) -> None:
        """The reporter edited the caption of their report's photo: while nobody has taken
        it up yet and within ``REVISE_WINDOW``, the report says what the new caption says
        (a place, a fault; what the new caption leaves out stays as it was)."""
        if by.user_id != self.reporter_id:
            raise DomainError("只有报修人可以修改报修说明。")
        if self.state is not RepairState.NEW:
            raise DomainError(
                f"报修单 {self.number} 已{self.state.label}，修改照片说明不会再更新它；"
                "要补充情况，请回复关于它的消息。"
            )
        if now - self.created_at > REVISE_WINDOW:
            minutes = int(REVISE_WINDOW.total_seconds() // 60)
            raise DomainError(
                f"报修单 {self.number} 已提交超过 {minutes} 分钟，修改照片说明不会更新它；"
                "要补充情况，请回复关于它的消息。"
            )
        self.location = reading.location or self.location
        self.description = reading.description or self.description
        self.category = reading.category
        self.urgency = reading.urgency

    @property
    def may_become_urgent(self) -> bool:
        """Whether 改为紧急 still means something: not urgent yet, and the work not done."""
        return (
            self.urgency is not Urgency.URGENT
            and self.state.is_open
            and self.state is not RepairState.DONE
        )

    def change_urgency(self, urgency: Urgency) -> None:
        """改为紧急 / 改为一般: while the job is still to be done (the deadlines follow)."""
        if not self.state.is_open or self.state is RepairState.DONE:
            raise self._decided()
        self.urgency = urgency

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
# From this many deadline periods on (twice the time allowed) a reminder reaches the
# admins too: the supervisors have had a whole period to act and did not.
ADMINS_FROM_PERIOD = 2


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

    @property
    def to_admins(self) -> bool:
        """Past twice the deadline: the admins hear of it as well as the supervisors."""
        return self.period >= ADMINS_FROM_PERIOD


def overdue_order(ticket: RepairTicket, late: Overdue) -> tuple[bool, timedelta, datetime, int]:
    """Sort key for overdue tickets, in reminders and lists: urgent ones first, then the
    longest past its deadline, then the oldest report."""
    return (ticket.urgency is not Urgency.URGENT, -late.late_by, ticket.created_at, ticket.id)


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
