"""Texts of the repairs feature (报修): notifications, replies, buttons. HTML parse mode:
every user-supplied string goes through ``e()``."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.callbacks import RepairAction, button
from bot.domain.messages import Buttons
from bot.domain.repairs import (
    Category,
    Overdue,
    RepairState,
    RepairTicket,
    Urgency,
    overdue_order,
)
from bot.domain.roles import Role


def e(text: str | None) -> str:
    return html.escape(text or "", quote=False)


def place(ticket: RepairTicket) -> str:
    return e(ticket.location) if ticket.location else "（未注明位置）"


def age(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}分钟"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}小时"
    return f"{hours // 24}天"


def about(ticket: RepairTicket) -> str:
    """「报修单 #12（教学楼302教室）」, how notifications name a report."""
    return f"报修单 {ticket.number}（{place(ticket)}）"


def local(when: datetime, tz: ZoneInfo) -> str:
    return when.astimezone(tz).strftime("%m-%d %H:%M")


def day_time(when: datetime, tz: ZoneInfo) -> str:
    """「12月5日 08:30」 in the school's time zone."""
    at = when.astimezone(tz)
    return f"{at.month}月{at.day}日 {at:%H:%M}"


# ---- buttons ------------------------------------------------------------------------
def supervisor_buttons(repair_id: int) -> Buttons:
    return [
        [
            ("✅ 受理", button(RepairAction.ACCEPT, repair_id)),
            ("❌ 驳回", button(RepairAction.REJECT, repair_id)),
        ]
    ]


def assign_buttons(
    repair_id: int,
    repairers: Iterable[tuple[int, str]],
    *,
    action: RepairAction = RepairAction.ASSIGN,
) -> Buttons:
    """One button per repairer: ASSIGN when accepting, REASSIGN_TO when reassigning."""
    rows: Buttons = [
        [(f"🔧 {name}", button(action, repair_id, user_id))] for user_id, name in repairers
    ]
    rows.append([("取消", button(RepairAction.ASSIGN_CANCEL, repair_id))])
    return rows


def worker_buttons(ticket: RepairTicket) -> Buttons:
    if ticket.state is RepairState.ACCEPTED:
        return [
            [
                ("▶️ 开始维修", button(RepairAction.START, ticket.id)),
                ("✅ 完成", button(RepairAction.DONE, ticket.id)),
            ]
        ]
    if ticket.state is RepairState.IN_PROGRESS:
        return [[("✅ 完成", button(RepairAction.DONE, ticket.id))]]
    return []


def detail_buttons(
    ticket: RepairTicket, *, supervisor: bool, reporter: bool, assignee: bool
) -> Buttons:
    """What this viewer may do now, on the /repair <id> card."""
    row: list[tuple[str, str]] = []
    state = ticket.state
    if supervisor and state is RepairState.NEW and not reporter:
        row += supervisor_buttons(ticket.id)[0]
    if (assignee or supervisor) and state in (RepairState.ACCEPTED, RepairState.IN_PROGRESS):
        row += worker_buttons(ticket)[0]
    if (reporter or supervisor) and state is RepairState.DONE:
        row += reporter_check_buttons(ticket.id)[0]
    if supervisor and state in (RepairState.ACCEPTED, RepairState.IN_PROGRESS):
        row.append(("🔁 改派", button(RepairAction.REASSIGN, ticket.id)))
    if supervisor and state in (RepairState.NEW, RepairState.ACCEPTED, RepairState.IN_PROGRESS):
        row.append(("⏸ 搁置", button(RepairAction.HOLD, ticket.id)))
    if supervisor and state is RepairState.ON_HOLD:
        row.append(("▶️ 恢复处理", button(RepairAction.RESUME, ticket.id)))
    return [row[i : i + 3] for i in range(0, len(row), 3)]


def reporter_check_buttons(repair_id: int) -> Buttons:
    return [
        [
            ("👍 验收", button(RepairAction.VERIFY, repair_id)),
            ("↩️ 返修", button(RepairAction.REOPEN, repair_id)),
        ]
    ]


def _category_rows(button: Callable[[Category], tuple[str, str]]) -> Buttons:
    cats = list(Category)
    return [[button(c) for c in cats[:4]], [button(c) for c in cats[4:]]]


def category_buttons(repair_id: int, current: Category, urgency: Urgency | None = None) -> Buttons:
    """The reporter's corrections: the category, and (given the current urgency)
    改为紧急 / 改为一般 beside it."""
    rows = _category_rows(
        lambda c: (
            ("✓ " if c is current else "") + c.label,
            button(RepairAction.CATEGORY, repair_id, c.value),
        )
    )
    if urgency is not None:
        choices = [u for u in (Urgency.URGENT, Urgency.NORMAL) if u is not urgency]
        rows.append(
            [(f"改为{u.label}", button(RepairAction.URGENCY, repair_id, u.value)) for u in choices]
        )
    return rows


def guided_category_buttons() -> Buttons:
    return _category_rows(lambda c: (c.label, button(RepairAction.GUIDED_CATEGORY, c.value)))


def guided_urgency_buttons() -> Buttons:
    return [[(u.label, button(RepairAction.GUIDED_URGENCY, u.value)) for u in Urgency]]


GUIDED_SKIP_PHOTO = [[("跳过，不拍照", button(RepairAction.GUIDED_SKIP_PHOTO))]]
GUIDED_SUMMARY_BUTTONS = [
    [("✅ 提交", button(RepairAction.GUIDED_SUBMIT)), ("取消", button(RepairAction.GUIDED_CANCEL))]
]


# ---- what the reporter sees -----------------------------------------------------------
def submitted(ticket: RepairTicket, photo_count: int, duplicate_of: int | None = None) -> str:
    lines = [
        f"✅ 报修单 {ticket.number} 已提交，后勤会尽快处理。",
        f"位置：{place(ticket)}",
        f"类别：{ticket.category.label}（自动识别，不对请点下面的按钮修改）",
        f"紧急程度：{ticket.urgency.label}",
    ]
    if photo_count:
        lines.append(f"照片：{photo_count}张")
    if not ticket.location:
        lines.append("没认出位置。下次可以这样写：教学楼302教室 门锁坏了")
    if duplicate_of:
        lines.append(f"⚠️ {duplicate_note(duplicate_of)}，后勤会一并处理。")
    return "\n".join(lines)


def revised(ticket: RepairTicket, photo_count: int) -> str:
    _, *rest = submitted(ticket, photo_count).split("\n")
    return "\n".join([f"✏️ 报修单 {ticket.number} 已按修改后的说明更新。", *rest])


REVISE_UNCHANGED = "报修说明没有变化。"


def revised_detail(location: str, description: str, ticket: RepairTicket) -> str:
    # Audit details are plain text (escaped where they are shown).
    now = ticket.location or "（未注明位置）"
    return f"{location or '（未注明位置）'} {description} → {now} {ticket.description}"


def revised_to_supervisor(ticket: RepairTicket, location: str, description: str, *, by: str) -> str:
    old = e(f"{location} {description}".strip())
    return (
        f"✏️ {e(by)} 修改了{about(ticket)}的说明。\n"
        f"现在：{place(ticket)} {e(ticket.description)}（{ticket.category.label}，"
        f"{ticket.urgency.label}）\n原来：{old}"
    )


def duplicate_note(repair_id: int) -> str:
    return f"同一位置、同一类别的报修单 #{repair_id} 还没处理完，可能是重复报修"


def urgency_changed(ticket: RepairTicket) -> str:
    return f"报修单 {ticket.number} 的紧急程度已改为「{ticket.urgency.label}」。"


def urgency_changed_to_handler(ticket: RepairTicket, *, by: str) -> str:
    icon = "🚨" if ticket.urgency is Urgency.URGENT else "ℹ️"
    return f"{icon} {e(by)} 把{about(ticket)}改为「{ticket.urgency.label}」。"


URGENCY_NOT_YOURS = "只有报修人或监督员可以修改紧急程度。"


def category_changed(ticket: RepairTicket) -> str:
    return f"报修单 {ticket.number} 的类别已改为「{ticket.category.label}」。"


ASK_CAPTION = (
    "收到照片。请再发一句说明：在哪里、什么坏了，例如：\n教学楼302教室 门锁坏了，关不上\n"
    "（也可以直接发照片时写在说明里。）"
)
CAPTION_NO_WORDS = (
    "照片收到了，但说明里没有文字。请再发一句：在哪里、什么坏了，例如：\n"
    "教学楼302教室 门锁坏了，关不上"
)
PHOTO_KEPT = "照片已保留：请直接回复一句说明（在哪里、什么坏了），或发送 /cancel 放弃这张照片。"


def caption_refused(reason: str) -> str:
    """A caption that cannot make a report: the photo waits, and the user is told so."""
    return reason if reason == CAPTION_NO_WORDS else f"{reason}\n{PHOTO_KEPT}"


def photos_still_waiting(count: int) -> str:
    """A new report was made while earlier photos wait for words: they are not in it."""
    return (
        f"之前发的 {count} 张照片还在等说明，没有放进这张报修单。"
        "请直接回复一句说明，或发送 /cancel 放弃它们。"
    )


SEE_PHOTO = "（见照片）"  # the description of a report whose caption named only the place
CAPTION_TIMEOUT = "刚才的照片没有等到说明，请重新发送带说明的照片，或用 /repair 一步步报修。"


def accepted_to_reporter(ticket: RepairTicket) -> str:
    return f"您的{about(ticket)}已受理，由 {e(ticket.assignee_name)} 负责维修。"


def started_to_reporter(ticket: RepairTicket) -> str:
    return f"您的{about(ticket)}{e(ticket.assignee_name)} 已开始维修。"


def done_to_reporter(ticket: RepairTicket, verify_days: float) -> str:
    lines = [f"🔧 您的{about(ticket)}已修好。"]
    if ticket.done_note:
        lines.append(f"维修说明：{e(ticket.done_note)}")
    lines.append(
        f"请确认：没问题点「验收」，还有问题点「返修」。{days(verify_days)}内未确认将自动验收。"
    )
    return "\n".join(lines)


def days(value: float) -> str:
    return f"{value:g}天"


def rejected_to_reporter(ticket: RepairTicket) -> str:
    return f"您的{about(ticket)}未被受理。\n理由：{e(ticket.reason)}\n如有疑问请联系后勤办公室。"


def held_to(ticket: RepairTicket) -> str:
    return f"{about(ticket)}暂时搁置。\n理由：{e(ticket.reason)}"


def resumed_to(ticket: RepairTicket) -> str:
    return f"{about(ticket)}已恢复处理，当前状态：{ticket.state.label}。"


def auto_verified_to_reporter(ticket: RepairTicket, verify_days: float) -> str:
    return f"{about(ticket)}完成后{days(verify_days)}未确认，已自动验收。"


# ---- what supervisors and repairers see ---------------------------------------------
@dataclass(frozen=True)
class Contact:
    """What the private cards of those who handle a report add: when it was made, and the
    reporter's name as a link to chat with them. Never on anything posted in a group."""

    tz: ZoneInfo
    username: str | None  # the reporter's @username, if they have one


def reporter_link(ticket: RepairTicket, username: str | None) -> str:
    # A t.me link opens the chat whatever the reporter's privacy settings; tg://user?id=
    # works for anyone without a username unless they hide their account in forwards.
    href = f"https://t.me/{username}" if username else f"tg://user?id={ticket.reporter_id}"
    return f'<a href="{html.escape(href)}">{e(ticket.reporter_name)}</a>'


def ticket_lines(ticket: RepairTicket, contact: Contact | None = None) -> list[str]:
    reporter = e(ticket.reporter_name)
    if contact is not None:
        reporter = reporter_link(ticket, contact.username)
    lines = [
        f"位置：{place(ticket)}",
        f"问题：{e(ticket.description)}",
        f"类别：{ticket.category.label}　紧急程度：{ticket.urgency.label}",
        f"报修人：{reporter}",
    ]
    if contact is not None:
        lines.append(f"报修时间：{day_time(ticket.created_at, contact.tz)}")
    return lines


def new_to_supervisor(
    ticket: RepairTicket,
    note: str | None,
    contact: Contact | None = None,
    *,
    from_patrol: bool,
    settled: bool = False,
) -> str:
    """The supervisor's card; ``settled``: as it reads once handled (no call to action)."""
    head = "🛠 新报修" if not from_patrol else "🛠 巡查发现故障"
    if ticket.urgency is Urgency.URGENT:
        head = "🚨 紧急报修" if not from_patrol else "🚨 巡查发现紧急故障"
    lines = [f"<b>{head} {ticket.number}</b>", *ticket_lines(ticket, contact)]
    if note:
        lines.append(f"⚠️ {note}")
    if not settled:
        lines.append("点「受理」派工，或「驳回」并写理由；也可以回复本消息：受理 / 驳回 理由")
    return "\n".join(lines)


def job_to_repairer(
    ticket: RepairTicket, contact: Contact, *, by: str, reopened: bool = False
) -> str:
    head = f"🔧 派给您的维修任务 {ticket.number}"
    if reopened:
        head = f"↩️ 返修 {ticket.number}：报修人说还没修好"
    lines = [f"<b>{head}</b>", *ticket_lines(ticket, contact)]
    if reopened and ticket.reason:
        lines.append(f"返修理由：{e(ticket.reason)}")
    if not reopened:
        lines.append(f"派工：{e(by)}")
    if ticket.state is RepairState.ACCEPTED:
        lines.append("开始时点「开始维修」；修好后点「完成」，或直接回复本消息发修好后的照片。")
    else:  # 返修 goes straight back to 维修中: there is nothing to start
        lines.append("修好后点「完成」，或直接回复本消息发修好后的照片。")
    return "\n".join(lines)


def verified_to_repairer(ticket: RepairTicket) -> str:
    return f"👍 {about(ticket)}已验收，辛苦了！"


def reassigned_to_reporter(ticket: RepairTicket) -> str:
    return f"您的{about(ticket)}改由 {e(ticket.assignee_name)} 负责维修。"


def reassigned_away(ticket: RepairTicket, *, by: str) -> str:
    return f"🔁 {about(ticket)}已由 {e(by)} 改派给 {e(ticket.assignee_name)}，您不用再处理了。"


def photo_reply_not_yours(ticket: RepairTicket) -> str:
    return (
        f"这是{about(ticket)}的通知，照片没有当作新的报修。"
        "只有负责的维修工回复照片才算修好；要报新的故障，请直接发带说明的照片（不要回复通知）。"
    )


def choose_repairer(ticket: RepairTicket) -> str:
    return f"{about(ticket)}派给哪位维修工？"


NO_REPAIRERS = "还没有登记维修工，无法派工。请管理员先邀请维修工。"
NO_OTHER_REPAIRER = "没有其他维修工可以改派。"
NOT_A_REPAIRER = "这个人不是维修工，请从按钮里选择。"
ASSIGN_CANCELLED = "好的，先不派工。"
PENDING_CANCELLED = "已取消。"
STALE = "这个按钮已失效。"
NOT_FOUND = "没有找到这张报修单。"
NOT_YOURS = "您只能查看自己提交或负责的报修单。"
CHANGED_MEANWHILE = "刚刚有人处理了这张报修单，请重新查看。"
NEED_REASON = "请写明理由（一句话即可），发送 /cancel 放弃。"
STARTED_SHORT = "已开始维修"
PHOTOS_UNAVAILABLE = "（照片暂时无法显示）"
REPLY_HELP = (
    "回复这条通知可以直接操作：\n"
    "监督员：受理 / 驳回 理由\n维修工：开始 / 完成 说明（或回复修好后的照片）\n"
    "报修人：验收 / 返修 理由"
)


def state_note(action: str, name: str, extra: str | None = None) -> str:
    """The line appended to older notifications when their buttons are taken away."""
    note = f"已由 {name} {action}"
    return f"{note}：{extra}" if extra else note


# What the person who took a step is told ({n}: the number, {who}: the repairer now).
_STEP_DONE = {
    "accept": "已受理报修单 {n}，派给 {who}。",
    "reassign": "已把报修单 {n} 改派给 {who}，已通知原维修工和新维修工。",
    "reject": "已驳回报修单 {n}，已告知报修人。",
    "hold": "报修单 {n} 已搁置，已告知报修人。",
    "resume": "报修单 {n} 已恢复处理，当前状态：{state}。",
    "start": "好的，报修单 {n} 已开始维修。修好后点「完成」。",
    "complete": "报修单 {n} 已标记完成，等报修人验收。",
    "verify": "报修单 {n} 已验收，谢谢！",
    "reopen": "报修单 {n} 已退回返修，已通知 {who}。",
}


def step_done(step: str, ticket: RepairTicket) -> str:
    return _STEP_DONE[step].format(
        n=ticket.number, who=e(ticket.assignee_name), state=ticket.state.label
    )


# What a follow-up input is asked with (the keys are the kinds of input we wait for).
ASK = {
    "reject": "请发送驳回理由（一句话即可），发送 /cancel 放弃。",
    "done": "请发一张修好后的照片，或写一句维修说明（例如：已更换锁芯）。发送 /cancel 放弃。",
    "hold": "请发送搁置理由（例如：等配件到货），发送 /cancel 放弃。",
    "reopen": "请说明哪里还有问题（一句话即可），发送 /cancel 放弃。",
}
ASK_DONE_PROOF = ASK["done"]


# ---- reminders ----------------------------------------------------------------------
def overdue_text(ticket: RepairTicket, overdue: Overdue, now: datetime) -> str:
    waited = age(now - overdue.since)
    if overdue.kind == "accept":
        what = f"已等待受理{waited}"
    else:
        what = f"{e(ticket.assignee_name)} 接单{waited}仍未完成"
    lines = [
        f"⏰ <b>报修单 {ticket.number} 超时提醒</b>（{ticket.urgency.label}）：{what}",
        *ticket_lines(ticket),
    ]
    if overdue.to_admins:
        lines.append("⚠️ 已超过时限的两倍，同时提醒了管理员。")
    return "\n".join(lines)


DIGEST_LINES = 30  # one message must stay well under Telegram's 4096 characters


def overdue_digest(due: Sequence[tuple[RepairTicket, Overdue]], now: datetime) -> str:
    """Many reminders at once (after an outage or a holiday): one list, urgent ones
    first, then the longest overdue."""
    ordered = [ticket for ticket, _ in sorted(due, key=lambda d: overdue_order(*d))]
    lines = [f"⏰ <b>{len(ordered)}张报修单超时未处理</b>，紧急的和超时最久的在前："]
    lines += [list_line(ticket, now) for ticket in ordered[:DIGEST_LINES]]
    if len(ordered) > DIGEST_LINES:
        lines.append(list_more(len(ordered) - DIGEST_LINES))
    lines.append("发送 /repair 编号 查看并处理，或 /repairs 查看全部。")
    return "\n".join(lines)


def _what(ticket: RepairTicket) -> str:
    """「教学楼302教室，门锁坏了」: where and what, for the reporter."""
    fault = e(short(ticket.description))
    return f"{e(ticket.location)}，{fault}" if ticket.location else fault


def _delayed(kind: str, by: Role) -> str:
    if kind == "accept":
        return f"还没能在规定时间内受理，已提醒{by.label}尽快安排"
    return f"还没能在规定时间内修好，已提醒维修师傅和{by.label}抓紧处理"


def delay_to_reporter(ticket: RepairTicket, late: Overdue, by: Role) -> str:
    """The reporter hears once that their report is late, and who was reminded (``by``:
    the supervisors, or the admins when there are none)."""
    return (
        f"⏳ 很抱歉，您的报修单 {ticket.number}（{_what(ticket)}）{_delayed(late.kind, by)}。"
        "有进展会再通知您。"
    )


def delays_to_reporter(due: Sequence[tuple[RepairTicket, Overdue]]) -> str:
    """The same for many reports at once (after an outage): one message."""
    lines = [f"⏳ 很抱歉，您的{len(due)}张报修单还没能在规定时间内处理完，已提醒后勤尽快处理："]
    lines += [f"{ticket.number} {_what(ticket)}" for ticket, _ in due[:DIGEST_LINES]]
    if len(due) > DIGEST_LINES:
        lines.append(list_more(len(due) - DIGEST_LINES))
    lines.append("有进展会再通知您，也可以发送 /repairs 查看。")
    return "\n".join(lines)


# ---- lists and details --------------------------------------------------------------
LIST_EMPTY_STAFF = "您还没有报修记录。直接发带说明的照片，或发送 /repair 报修。"
LIST_EMPTY_REPAIRER = "目前没有派给您的维修任务。"
LIST_EMPTY_ALL = "目前没有未完结的报修单。👍"


def list_title(scope: str, count: int) -> str:
    return {
        "all": f"<b>未完结的报修单（{count}）</b>，最早的在前：",
        "jobs": f"<b>派给您的维修任务（{count}）</b>：",
        "mine": f"<b>您的报修单（{count}）</b>：",
    }[scope]


def list_line(ticket: RepairTicket, now: datetime) -> str:
    who = f"　{e(ticket.assignee_name)}" if ticket.assignee_name else ""
    urgent = "🚨" if ticket.urgency is Urgency.URGENT and ticket.state.is_open else ""
    return (
        f"{urgent}{ticket.number} [{ticket.state.label}] {place(ticket)} "
        f"{e(short(ticket.description))}{who}　{age(now - ticket.created_at)}前"
    )


def short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def list_more(count: int) -> str:
    return f"……还有{count}张未列出。"


LIST_FOOTER = "发送 /repair 编号 查看详情，例如 /repair 12"

ACTION_LABELS = {
    "repair.create": "提交报修",
    "repair.accept": "受理",
    "repair.start": "开始维修",
    "repair.complete": "标记完成",
    "repair.verify": "验收",
    "repair.reopen": "返修",
    "repair.reject": "驳回",
    "repair.hold": "搁置",
    "repair.resume": "恢复",
    "repair.category": "改类别",
    "repair.revise": "修改说明",
    "repair.reassign": "改派",
    "repair.remind": "超时提醒",
    "repair.note": "报修人补充",
    "repair.done_note": "维修说明",
}


def detail_text(
    ticket: RepairTicket,
    history: Sequence[tuple[datetime, str | None, str, str | None]],
    tz: ZoneInfo,
    photo_counts: tuple[int, int],
) -> str:
    lines = [f"<b>报修单 {ticket.number}</b>　[{ticket.state.label}]", *ticket_lines(ticket)]
    lines.append(f"报修时间：{local(ticket.created_at, tz)}")
    if ticket.assignee_name:
        lines.append(f"维修工：{e(ticket.assignee_name)}")
    if ticket.reason and ticket.state in (
        RepairState.REJECTED,
        RepairState.ON_HOLD,
        RepairState.IN_PROGRESS,
    ):
        lines.append(f"理由：{e(ticket.reason)}")
    if ticket.done_note:
        lines.append(f"维修说明：{e(ticket.done_note)}")
    before, after = photo_counts
    if before or after:
        lines.append(f"照片：报修{before}张，修好后{after}张")
    lines.append("")
    lines.append("<b>经过</b>")
    for at, name, action, detail in history:
        label = ACTION_LABELS.get(action, action)
        tail = f"（{e(detail)}）" if detail else ""
        lines.append(f"{local(at, tz)} {e(name or '系统')} {label}{tail}")
    return "\n".join(lines)


DETAIL_USAGE = "请写报修单编号，例如 /repair 12。不带编号发送 /repair 则开始报修。"


# ---- guided path -------------------------------------------------------------------
GUIDED_RESTARTED = "上一张还没提交的报修已放弃，重新开始填写。"
GUIDED_START = (
    "好的，开始报修。第 1 步：请发故障的照片（可以多张），发完点「跳过」或直接写位置。"
    "\n随时发送 /cancel 取消。"
)


def guided_start_with(photos: int) -> str:
    """/repair right after photos sent without a caption: they are part of the report."""
    return (
        f"好的，开始报修，刚才的{photos}张照片已带上。第 1 步：还有照片就继续发，"
        "发完点「跳过」或直接写位置。\n随时发送 /cancel 取消。"
    )


GUIDED_PHOTO_MORE = "收到第{n}张照片。还有就继续发；发完请写位置，例如：教学楼302教室。"
GUIDED_PHOTO_ADDED = "收到，这次报修共{n}张照片。请继续回答上面的问题。"


def guided_read_from_caption(location: str, description: str) -> str:
    """The first photo's caption answered steps 2 and 3."""
    return f"照片说明里写了：位置「{e(location)}」，问题「{e(description)}」。\n"


def guided_place_from_caption(location: str) -> str:
    return f"照片说明里写了位置「{e(location)}」。\n" + GUIDED_ASK_DESCRIPTION


GUIDED_ASK_LOCATION = "第 2 步：在哪里？例如：教学楼302教室、男生宿舍3楼厕所。"
GUIDED_ASK_DESCRIPTION = "第 3 步：什么坏了？简单描述一下，例如：门锁坏了，关不上。"
GUIDED_ASK_CATEGORY = "第 4 步：属于哪一类？（我猜是「{guess}」）"
GUIDED_ASK_URGENCY = "第 5 步：紧急程度？不选默认「一般」。"
GUIDED_CANCELLED = "已取消报修，没有提交。"
GUIDED_USE_BUTTONS = "请点上面的按钮选择，或发送 /cancel 取消。"
GUIDED_TOO_MANY_PHOTOS = "最多10张照片，已经够了。请写位置。"
GUIDED_EXPIRED = "这个按钮已过期，请用最新一条消息上的按钮；要重新报修请发送 /repair。"


def guided_done(ticket: RepairTicket) -> str:
    return f"报修单 {ticket.number} 已提交"


def guided_submitted(
    ticket: RepairTicket, photo_count: int, duplicate_of: int | None = None
) -> str:
    lines = [f"✅ 报修单 {ticket.number} 已提交，后勤会尽快处理。"]
    if photo_count:
        lines.append(f"照片：{photo_count}张")
    if duplicate_of:
        lines.append(f"⚠️ {duplicate_note(duplicate_of)}，后勤会一并处理。")
    lines.append("进度会通知您，也可以发送 /repairs 查看。")
    return "\n".join(lines)


def guided_summary(
    location: str, description: str, category: Category, urgency: Urgency, photo_count: int
) -> str:
    return "\n".join(
        [
            "<b>请确认报修内容</b>",
            f"位置：{e(location)}",
            f"问题：{e(description)}",
            f"类别：{category.label}　紧急程度：{urgency.label}",
            f"照片：{photo_count}张",
        ]
    )


def left_school(name: str) -> str:
    return f"{name} 已离开"


def removed_detail(name: str) -> str:
    return f"{name} 已被移除"


def returned_to_supervisor(ticket: RepairTicket, gone: str) -> str:
    """A job taken back from a repairer who was removed."""
    lines = [f"<b>↩️ 报修单 {ticket.number} 退回待受理</b>", *ticket_lines(ticket)]
    lines.append(f"原维修工 {e(gone)} 已被移除，这张报修单需要重新派工。")
    if ticket.state is RepairState.NEW:
        lines.append("点「受理」重新派工，或「驳回」并写理由。")
    else:
        lines.append("它目前处于搁置状态，恢复后重新受理派工。")
    return "\n".join(lines)


# ---- what services say (errors, and the history lines of a report's card) --------------
CATEGORY_NOT_YOURS = "只有报修人或监督员可以修改类别。"


def too_many_photos(limit: int) -> str:
    return f"一次最多{limit}张照片。"


def created_detail(location: str | None, description: str, round_id: int | None) -> str:
    detail = f"{location or '未注明位置'}：{description}"
    return detail + (f"（巡查 {round_id}）" if round_id is not None else "")


def assigned_to(name: str) -> str:
    return f"派给 {name}"


def not_assigned_yet(ticket: RepairTicket) -> str:
    return f"报修单 {ticket.number} 还没有派工。"


def assigned_to_someone_else(ticket: RepairTicket) -> str:
    return f"这张报修单派给了 {ticket.assignee_name}，只有他/她能操作。"


def with_photos(count: int) -> str:
    return f"（附照片{count}张）"


def auto_verify_reason(verify_days: float) -> str:
    return f"完成后{days(verify_days)}未确认，自动验收"


def reminder_reason(late: Overdue) -> str:
    which = "未受理" if late.kind == "accept" else "未完成"
    return f"{which}，第{late.period}次提醒"


# ---- a photo that may not be a repair -----------------------------------------------
IS_IT_A_REPAIR = "这是报修吗？"
MAYBE_BUTTONS = ("是，报修", "不是")
NOT_A_REPAIR = "好的，这张照片不作报修。要登记别的事，请用对应的命令（/help 可查看）。"
MAYBE_GONE = "这张照片已经处理过了。"


# ---- a text that reads as a repair report -------------------------------------------
def offer_repair(text: str, *, has_place: bool) -> str:
    offer = f"要把这条作为报修提交吗？\n「{html.escape(text, quote=False)}」"
    if has_place:
        return offer
    return (
        f"{offer}\n📍 没看到地点。最好重新发一条写上在哪里（如“行政楼201 打印机卡纸了”）；"
        "也可以直接提交。"
    )


OFFER_BUTTONS = ("提交报修", "补充照片", "取消")
OFFER_SEND_PHOTO = "好的，请发照片（可以多张），这句话会作为报修说明。"
OFFER_CANCELLED = "好的，没有提交。"
OFFER_GONE = "这条已经处理过了；要报修请重新发一次。"


# ---- replies that add to a report, or that are unclear ------------------------------
THANKS_NOTED = "不客气！有新情况直接回复这条消息即可。"
NOTE_ONLY_REPORTER = "只有报修人可以补充报修内容。"


def note_from_reporter(ticket: RepairTicket, name: str, text: str, photos: int) -> str:
    pics = f"（附照片 {photos} 张）" if photos else ""
    return f"📝 {e(name)} 补充{about(ticket)}：{e(text)}{pics}"


def note_added(ticket: RepairTicket, told: str | None, *, offer_urgent: bool = False) -> str:
    who = e(told) if told else "监督员"
    text = f"已补充到报修单 {ticket.number}，并转告{who}。"
    if offer_urgent:
        text += f"\n听起来挺急，现在是「{ticket.urgency.label}」，要改为紧急吗？"
    return text


def raise_urgency_buttons(repair_id: int) -> Buttons:
    return [[("改为紧急", button(RepairAction.RAISE_URGENCY, repair_id))]]


def urgency_raised_by_note(ticket: RepairTicket) -> str:
    return f"已补充到报修单 {ticket.number}，并已改为「{ticket.urgency.label}」，会优先处理。"


def unclear_reply(ticket: RepairTicket) -> str:
    return f"没看明白这条回复。要对{about(ticket)}做什么？"


def more_after_photos(ticket: RepairTicket) -> str:
    return f"🔧 {about(ticket)}修好后的照片。"


def done_note_to_reporter(ticket: RepairTicket, note: str) -> str:
    return f"🔧 {about(ticket)}的维修说明：{e(note)}"


def done_note_saved(ticket: RepairTicket) -> str:
    return f"已把说明记到报修单 {ticket.number}，并告诉报修人。"
