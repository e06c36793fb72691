"""The intent router: what an incoming message means, given who sent it and what is open
for them. Plain Python (no telegram import), so every rule is unit-tested without Telegram.

A handler describes the message (``Incoming``: its kind and text, the sender's roles, the
Ref of the bot message it replies to, the prompt they owe us, their open drafts, their
recent notifications), calls ``route`` and acts on the one typed intent it gets back with
one service call. The Ref of a replied-to message comes from storage (the outbox, or the
memory of the bot's own replies), never from reading the bot's text.

To add an intent: a frozen dataclass below, a rule in ``route`` (rules are tried in order;
the first that matches wins), a test in tests/test_router.py, and the handler that acts
on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.purchases import parse_lines
from bot.domain.repairs import (
    Category,
    guess_category,
    normalise_caption,
    parse_reply,
    split_caption,
)
from bot.domain.roles import Role
from bot.protocol import Ref, RefKind

# A caption naming purchase papers: the photo belongs to a purchase, not to a repair.
PURCHASE_PAPER_WORDS = ("合格证", "检疫", "检验", "票据", "收据", "小票", "发票", "单据")
# Words that name a fault even without a known broken thing ("坏了", "漏水").
_FAULT_WORDS = (
    *("坏", "漏", "堵", "不亮", "不制冷", "不出水", "不通", "掉", "破", "裂", "断", "松"),
    *("冒烟", "失灵", "打不开", "关不上", "关不紧", "没电", "跳闸", "异响"),
    *("卡住", "卡纸", "被困", "困在", "没反应", "黑屏", "没信号", "没声音", "停电", "停水"),
    *("用不了", "开不了", "不能用", "不转", "不工作"),
)


class Kind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"  # a photo, or an image sent as a file
    DOCUMENT = "document"  # any other file
    VOICE = "voice"  # a voice message or an audio file
    STICKER = "sticker"
    OTHER = "other"


@dataclass(frozen=True)
class Pending:
    """A prompt the person owes an answer to: ``what`` (a reason for ``reject``, the proof
    for ``done``, a ``caption`` for waiting photos...), about ``subject`` if any."""

    what: str
    subject: Ref | None = None


@dataclass(frozen=True)
class Incoming:
    kind: Kind
    text: str = ""  # the text, or the caption of a picture
    roles: frozenset[Role] = frozenset()
    replied_to: Ref | None = None  # what the bot message it answers is about
    replies_to_a_message: bool = False  # answers some message, known or not
    pending: Pending | None = None
    open_drafts: tuple[Ref, ...] = ()
    recent: tuple[Ref, ...] = ()  # the notifications the person got lately, newest first
    # The sender's own purchase submitted lately (its photos may follow), and their newest
    # submitted purchase at all (a photo captioned 合格证 is for it).
    recent_purchase: Ref | None = None
    last_purchase: Ref | None = None
    # The one ⚠️ patrol item of the sender's open round still without a note.
    patrol_item: Ref | None = None

    @property
    def is_picture(self) -> bool:
        return self.kind in (Kind.PHOTO, Kind.DOCUMENT)


# ---- intents ------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportRepair:
    """A new repair report (a picture with or without its caption)."""


@dataclass(frozen=True)
class EditPurchaseDraft:
    """Lines, fixes (删 2, 改 3 ...) or a supplier for the purchaser's open draft."""

    purchase_id: int


@dataclass(frozen=True)
class AttachToPurchase:
    """A receipt or certificate photo for the purchaser's open draft."""

    purchase_id: int


@dataclass(frozen=True)
class AddToPurchase:
    """A photo for a purchase already submitted (its 合格证 or 票据, sent afterwards)."""

    purchase_id: int


@dataclass(frozen=True)
class AskIfRepair:
    """A captioned picture that names no place and no fault, from someone whose pictures
    are often about other work (a menu, a delivery): ask before filing a repair."""


@dataclass(frozen=True)
class AddToRepair:
    """A picture about repair ``repair_id``: the repairer's after-photo, or (from anyone
    else) an explanation that it did not become a new report."""

    repair_id: int


@dataclass(frozen=True)
class ReplyToRepair:
    """A text answer to a repair message: 受理, 驳回 理由, 完成 说明, 验收, 返修 理由."""

    repair_id: int
    text: str


@dataclass(frozen=True)
class DecidePurchase:
    """A supervisor's answer to a purchase notification: 确认, or 驳回 理由."""

    purchase_id: int
    text: str


@dataclass(frozen=True)
class NoteOnPatrolCheck:
    """What is wrong with a ticked-wrong patrol item, in reply to the bot's question (a
    text, or a photo and its caption)."""

    check_id: int
    text: str


@dataclass(frozen=True)
class NoteOnFoodRecord:
    """A text answer to a food-safety record: a note on the 陪餐 form, or a corrected
    消毒 time."""

    record_id: int
    text: str


@dataclass(frozen=True)
class TextOnSampleDish:
    """A text answer to a 留样 photo prompt (which wants a photo, not words)."""

    entry_id: int
    text: str


@dataclass(frozen=True)
class SamplePhoto:
    """The 留样 box photo of dish entry ``entry_id``, in reply to its prompt."""

    entry_id: int


@dataclass(frozen=True)
class PartsUsed:
    """The repairer's answer to 「用了哪些材料？」 about repair ``repair_id``."""

    repair_id: int
    text: str


@dataclass(frozen=True)
class AnswerPendingPrompt:
    """The answer to the prompt the person owes (a reason, an after-photo, a caption)."""

    pending: Pending


@dataclass(frozen=True)
class OfferRepair:
    """A plain text naming a fault ("3号楼男厕下水道堵了", "打印机卡纸了"): offered as a
    repair report with one tap, never filed without asking; without a place the offer
    asks for one."""

    text: str
    has_place: bool = True


@dataclass(frozen=True)
class ShowHelp:
    """A greeting or a question about how to use the bot: the person's own short help."""


@dataclass(frozen=True)
class CommandInWords:
    """「我要报修」, 「我的报修怎么样了」, 「今天吃什么」: a command asked for in words.
    ``command`` is its name (repair, repairs, menu, 领用); ``arg`` what the words add
    (「明天吃什么」: the menu of 明天)."""

    command: str
    arg: str = ""


@dataclass(frozen=True)
class Thanks:
    """「谢谢师傅」 or 「好的」 with nothing open: a short polite answer, not 「没看懂」."""

    grateful: bool  # 谢谢 / 辛苦了, not only 好的 / 收到


@dataclass(frozen=True)
class StartPurchaseDraft:
    """A purchaser pasted purchase lines without /purchase: a draft, as if they had."""

    text: str


@dataclass(frozen=True)
class HintWhatToSend:
    """A voice message or a sticker: say what to send instead."""

    kind: Kind


@dataclass(frozen=True)
class NotANotification:
    """A text reply to a message the bot cannot connect to anything."""


@dataclass(frozen=True)
class Unknown:
    """Nothing here for the router; the features' own flows (or the fallback) answer."""


Intent = (
    ReportRepair
    | EditPurchaseDraft
    | AttachToPurchase
    | AddToPurchase
    | AskIfRepair
    | AddToRepair
    | ReplyToRepair
    | DecidePurchase
    | NoteOnPatrolCheck
    | NoteOnFoodRecord
    | TextOnSampleDish
    | SamplePhoto
    | PartsUsed
    | AnswerPendingPrompt
    | OfferRepair
    | ShowHelp
    | CommandInWords
    | Thanks
    | StartPurchaseDraft
    | HintWhatToSend
    | NotANotification
    | Unknown
)


def _about_another_repair(m: Incoming) -> bool:
    """A reply to a repair message other than the one the pending prompt is about."""
    subject = m.pending.subject if m.pending is not None else None
    return (
        m.replied_to is not None and m.replied_to.kind is RefKind.REPAIR and m.replied_to != subject
    )


def names_purchase_papers(text: str) -> bool:
    return any(word in text for word in PURCHASE_PAPER_WORDS)


def looks_like_repair(text: str) -> bool:
    """A text naming a place or a fault ("302 门锁坏了", "空调不制冷")."""
    place, _ = split_caption(text)
    return bool(place) or guess_category(text) is not Category.OTHER or _names_fault(text)


def _names_fault(text: str) -> bool:
    return any(word in text for word in _FAULT_WORDS)


def names_a_fault(text: str) -> bool:
    """A fault without a place (「打印机卡纸了」, 「电梯卡住了」): offered as a report too;
    the offer asks where. Not a question about one (「空调坏了找谁？」 is help)."""
    value = text.strip()
    if len(value) > 60 or value.endswith(("?", "？", "吗")):
        return False
    return guess_category(value) is not Category.OTHER or _names_fault(value)


_HELP_WORDS = ("帮助", "怎么报修", "如何报修", "怎么用", "怎么使用", "能做什么", "help")
_GREETINGS = ("你好", "您好", "在吗", "在不在", "早上好", "早安", "下午好", "晚上好", "hi", "hello",
              "哈喽", "嗨", "老师好", "师傅好")  # fmt: skip


def asks_for_help(text: str) -> bool:
    """A greeting ("您好", "在吗？") or a question about using the bot ("怎么报修")."""
    value = text.strip().lower().rstrip("?？!！。.~ ")
    if any(word in value for word in _HELP_WORDS):
        return True
    return value in _GREETINGS or (len(value) <= 6 and value.startswith(_GREETINGS))


# The words for a command, tried on a short text without its punctuation, in this order
# (「我的报修」 is the list before 「报修」 is a new report).
_COMMAND_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("repairs", re.compile(
        r"^(?:请问|请|帮我)?(?:我的|我报的|查|查看|查一下|看看|看一下)?报修单?的?"
        r"(?:进度|情况|状态|结果|记录|处理了吗|处理了没|怎么样了?|到哪了|有人管吗|修了吗|修了没)$"
        r"|^(?:请问|请|帮我)?(?:我的报修单?|我报的修|我报修的)(?:呢|怎么样了?)?$"
        r"|^(?:我报的|我的)?(?:东西)?(?:什么时候来修|怎么还没(?:人)?来修|修好了吗|修好了没)$"
    )),
    ("repair", re.compile(
        r"^(?:请问|请|麻烦|帮我)?(?:我|我们|这边)?(?:要|想|需要|申请|来)?报(?:个|一下)?修(?:一下)?"
        r"(?:吧|啊|呀)?$"  # 「怎么报修」 is a question: help, above
    )),
    ("menu", re.compile(
        r"^(?:请问)?(?:今天|今日|明天|本周|这周|这星期|下周|周[一二三四五六日天])?的?(?:菜单|食谱)"
        r"(?:是什么|是啥|呢|有吗|出来了吗)?$"
        r"|^(?:请问)?(?:今天|今日|明天|中午|晚上|早上|这周|本周|下周|周[一二三四五六日天])?"
        r"(?:的)?(?:早饭|午饭|晚饭|早餐|午餐|晚餐|食堂)?(?:吃|有)(?:什么|啥)(?:菜|饭)?(?:呀|啊|呢)?$"
    )),
    ("领用", re.compile(
        r"^(?:请问)?(?:我|我们)?(?:要|想|需要|怎么|如何|在哪)?(?:申请)?(?:领用|领取)"
        r"(?:物品|东西|办公用品|文具)?(?:呢)?$"
    )),
)  # fmt: skip
# What the menu words add: the day, or the week (the default).
_MENU_DAYS = (("明天", "明天"), ("下周", "下周"), ("今天", "今天"), ("今日", "今天"),
              ("早", "今天"), ("午", "今天"), ("晚", "今天"))  # fmt: skip
_PUNCTUATION = re.compile(r"[\s，,。.!！?？~～、：:；;…\U0001F300-\U0001FAFF\u2600-\u27BF]+")
# 「取消」 typed instead of /cancel: the whole message, nothing else in it.
_CANCEL_WORDS = frozenset({
    "取消", "取消吧", "取消了", "算了", "算了吧", "不要了", "不用了", "不报了", "先不报了",
    "不弄了", "退出", "撤销", "cancel", "取消报修", "取消采购", "不买了",
})  # fmt: skip
# 「提交」 typed instead of tapping the draft's button.
_SUBMIT_WORDS = frozenset(
    {"提交", "提交吧", "确认提交", "可以提交了", "好了提交", "提交采购单", "提交了"}
)


def _bare(text: str) -> str:
    """The words of a short message: no spaces, punctuation or emoji, half-width, lower
    case."""
    return _PUNCTUATION.sub("", normalise_caption(text)).lower()


def command_in_words(text: str) -> str | None:
    """「我要报修」 -> "repair", 「报修进度」 -> "repairs", 「今天吃什么」 -> "menu", else None."""
    value = _bare(text)
    if not value or len(value) > 14:
        return None
    return next((name for name, words in _COMMAND_WORDS if words.match(value)), None)


def menu_day_in_words(text: str) -> str:
    """「明天吃什么」 -> 明天, 「中午吃啥」 -> 今天, 「本周菜单」 -> "" (the week)."""
    value = _bare(text)
    if "周" in value and "下周" not in value:
        return ""
    return next((day for word, day in _MENU_DAYS if word in value), "")


def is_cancel(text: str) -> bool:
    """「取消」, 「算了」, 「不要了」: the message says only that."""
    return _bare(text) in _CANCEL_WORDS


def is_submit(text: str) -> bool:
    """「提交」, 「确认提交」: the message says only that."""
    return _bare(text) in _SUBMIT_WORDS


def reads_as_repair_report(text: str) -> bool:
    """Both a place and a fault: "办公室空调不制冷了", "3号楼男厕下水道堵了"."""
    place, rest = split_caption(text)
    fault = guess_category(text) is not Category.OTHER or _names_fault(rest or text)
    return bool(place) and fault


def looks_like_purchase_lines(text: str) -> bool:
    """Every line reads as a purchase line ("猪肉 20斤 13.5")."""
    parsed = parse_lines(text)
    return bool(parsed.lines) and not parsed.bad


# ---- what a reply says, with its keywords anywhere ----------------------------------
# Tried in order: a complaint first ("还是在滴水，没修好" is 返修 even though it says 修好).
_REPAIR_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("reopen", ("没修好", "还是坏", "还是不行", "又坏了", "还在漏", "还在滴", "还是在滴", "还是漏",
                "又漏", "没好", "不能用", "返修")),
    ("reject", ("驳回",)),
    ("accept", ("受理",)),
    ("start", ("马上到", "马上去", "这就去", "马上过去", "在路上", "正在修", "开始修")),
    ("done", ("修好了", "已修好", "弄好了", "搞定", "完成")),
    ("verify", ("验收", "没问题", "可以了", "好了谢谢", "修好了谢谢")),
)  # fmt: skip
_WHOLE_TEXT_IS_REASON = frozenset({"reopen", "done"})
_PURCHASE_NO = ("驳回", "退回", "不同意")
_PURCHASE_DOUBT = ("不对", "有误", "不符", "少了", "多了", "缺", "不一致", "?", "？")
_PURCHASE_YES = ("确认", "无误", "同意", "没问题", "ok", "okay", "可以", "确定", "对的", "好的")


_THANKS = (
    "好的",
    "好",
    "谢谢",
    "谢谢师傅",
    "谢谢您",
    "收到",
    "ok",
    "嗯",
    "知道了",
    "辛苦了",
    "辛苦",
)


def only_thanks(text: str) -> bool:
    """「好的，谢谢」: nothing to add to a report, nothing to forward."""
    parts = [p for p in re.split(r"[\s，,。.!！~]+", normalise_caption(text).strip().lower()) if p]
    return bool(parts) and all(p in _THANKS for p in parts)


def read_repair_reply(text: str) -> tuple[str | None, str]:
    """The step a reply to a repair message asks for and what goes with it: 「受理 刘师傅」
    -> ("accept", "刘师傅"); 「还是在滴水，没修好」 -> ("reopen", the whole text); 「马上到」
    -> ("start", ""); (None, text) when it names no step (a note, or unclear)."""
    step, rest = parse_reply(text)
    if step is not None:
        return step, rest
    value = text.strip()
    for step, words in _REPAIR_WORDS:
        for word in words:
            if word in value:
                if step in _WHOLE_TEXT_IS_REASON:
                    return step, value
                after = value.split(word, 1)[1]
                return step, after.lstrip("了啦").strip(" ：:，,。！!.")
    return None, value


def read_purchase_reply(text: str) -> tuple[str | None, str]:
    """「确认，清点无误」 -> ("confirm", ""); 「驳回 猪肉少了2斤」 -> ("reject", reason);
    (None, text) when unclear (「猪肉好像少了」 is a doubt, not a decision)."""
    value = text.strip()
    for word in _PURCHASE_NO:
        if word in value:
            return "reject", value.split(word, 1)[1].strip(" ：:，,。")
    lowered = value.lower()
    if any(w in lowered for w in _PURCHASE_DOUBT):
        return None, value
    if lowered.rstrip("!！。.") in ("好", "行", "对") or any(w in lowered for w in _PURCHASE_YES):
        return "confirm", ""
    return None, value


def _not_only_staff(roles: frozenset[Role]) -> bool:
    return bool(roles - {Role.STAFF})


def _purchase_photo(m: Incoming) -> int | None:
    """The submitted purchase a picture is for: the one it answers, the newest one when
    the caption names its papers, or the one just submitted unless it reads as a repair."""
    about = m.replied_to
    if about is not None and about.kind is RefKind.PURCHASE:
        return about.id
    if m.last_purchase is not None and names_purchase_papers(m.text):
        return m.last_purchase.id
    if m.recent_purchase is not None and not looks_like_repair(m.text):
        return m.recent_purchase.id
    return None


def _open_purchase_draft(m: Incoming) -> int | None:
    return next((r.id for r in m.open_drafts if r.kind is RefKind.PURCHASE), None)


def route(m: Incoming) -> Intent:
    """The one intent of ``m``. Order matters: the first rule that applies wins."""
    # 0. A picture answering a patrol item's "写一句说明" prompt is that item's note, even
    #    while a purchase draft is open.
    about = m.replied_to
    if about is not None and about.kind is RefKind.PATROL_CHECK and m.is_picture:
        return NoteOnPatrolCheck(about.id, m.text.strip())
    #    Likewise a picture answering a 留样 prompt or a food-safety form.
    if about is not None and about.kind is RefKind.FOOD_SAMPLE_DISH and m.is_picture:
        return SamplePhoto(about.id)
    if about is not None and about.kind is RefKind.FOOD_RECORD and m.is_picture:
        return NoteOnFoodRecord(about.id, m.text.strip())
    # 1. A purchase draft in progress takes the purchaser's pictures and texts (a photo at
    #    the market is its receipt, not a repair report), but not an answer to a notification.
    draft = _open_purchase_draft(m)
    if draft is not None and m.is_picture:
        return AttachToPurchase(draft)
    if draft is not None and m.kind is Kind.TEXT and m.replied_to is None:
        return EditPurchaseDraft(draft)
    # 2. An owed answer comes first, unless the message answers another report's message:
    #    that is about that report, and the prompt keeps waiting.
    if m.pending is not None and not _about_another_repair(m):
        return AnswerPendingPrompt(m.pending)
    # 3. A picture for a purchase already submitted (a certificate sent afterwards) is
    #    that purchase's, never a repair.
    if m.is_picture and (purchase := _purchase_photo(m)) is not None:
        return AddToPurchase(purchase)
    # 4. A picture answering a repair message is about that report, never a new one.
    #    (A picture answering another feature's message stays an ordinary report.)
    if about is not None and about.kind is RefKind.REPAIR:
        if m.is_picture:
            return AddToRepair(about.id)
        if m.kind is Kind.TEXT:
            return ReplyToRepair(about.id, m.text.strip())
    # 5. Text answers to the other notifications.
    if m.kind is Kind.TEXT and about is not None:
        if about.kind is RefKind.PURCHASE:
            return DecidePurchase(about.id, m.text.strip())
        if about.kind is RefKind.PATROL_CHECK:
            return NoteOnPatrolCheck(about.id, m.text.strip())
        if about.kind is RefKind.FOOD_RECORD:
            return NoteOnFoodRecord(about.id, m.text.strip())
        if about.kind is RefKind.FOOD_SAMPLE_DISH:
            return TextOnSampleDish(about.id, m.text.strip())
        if about.kind is RefKind.REPAIR_PARTS:
            return PartsUsed(about.id, m.text.strip())
    if m.kind is Kind.TEXT and m.replies_to_a_message:
        return NotANotification()
    # 6. Text alone is a request too: help, pasted purchase lines, a repair in words.
    if m.kind is Kind.TEXT:
        text = m.text.strip()
        if m.patrol_item is not None and text:  # a note sent without using reply
            return NoteOnPatrolCheck(m.patrol_item.id, text)
        if asks_for_help(text):
            return ShowHelp()
        if (command := command_in_words(text)) is not None:
            return CommandInWords(command, menu_day_in_words(text) if command == "menu" else "")
        if only_thanks(text):
            return Thanks(grateful=any(w in text for w in ("谢", "辛苦")))
        if Role.PURCHASER in m.roles and looks_like_purchase_lines(text):
            return StartPurchaseDraft(text)
        if reads_as_repair_report(text):
            return OfferRepair(text)
        if names_a_fault(text):
            return OfferRepair(text, has_place=False)
    if m.kind in (Kind.VOICE, Kind.STICKER):
        return HintWhatToSend(m.kind)
    # 7. A picture nobody is waiting for is a repair report, unless its caption names no
    #    place and no fault and the sender has other work than teaching (ask first).
    if m.is_picture:
        text = m.text.strip()
        if text and _not_only_staff(m.roles) and not looks_like_repair(text):
            return AskIfRepair()
        return ReportRepair()
    return Unknown()
