"""What the bot says about patrol rounds (走走看看). HTML parse mode: user text is escaped."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot import callbacks
from bot.callbacks import PatrolAction
from bot.domain.messages import Buttons
from bot.domain.patrols import (
    SLOTS,
    WEEKDAYS,
    Check,
    Holiday,
    ItemState,
    RosterEntry,
    RoundState,
    Slot,
    fmt_time,
)

BUTTON_ITEM_LEN = 22


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=False)


def day_label(day: date) -> str:
    return f"{day.month}月{day.day}日（{WEEKDAYS[day.weekday()]}）"


def round_title(slot: Slot, day: date, at: datetime, tz: ZoneInfo) -> str:
    return f"{slot.label}巡查 · {day_label(day)} {at.astimezone(tz):%H:%M}"


def _check_line(c: Check, credit: str = "") -> str:
    line = f"{c.position}. {c.state.icon} {esc(c.item)}{credit}"
    if c.state is ItemState.ABNORMAL:
        if c.note:
            line += f"\n    说明：{esc(c.note)}"
        else:
            line += "\n    <i>请回复提示消息写一句说明</i>"
        if c.photo_file_id or c.photo_path:
            line += " 📷"
        if c.repair_id:
            line += f"\n    已转报修单 #{c.repair_id}"
    return line


def checklist_text(
    title: str,
    checks: Sequence[Check],
    *,
    state: RoundState,
    submitted_by: str | None = None,
    submitted_at: datetime | None = None,
    tz: ZoneInfo | None = None,
) -> str:
    lines = [f"🚶 <b>{esc(title)}</b>"]
    if state.is_open:
        lines.append("逐项检查后点按钮：未查 → ✅ 正常 → ⚠️ 异常。查完点「提交」。")
        if state is RoundState.MISSED:
            lines.append("❗ 已超时记为漏检，现在提交会记为迟交。")
    lines.append("")
    lines.extend(_check_line(c) for c in checks)
    done = sum(c.state is not ItemState.UNCHECKED for c in checks)
    bad = sum(c.state is ItemState.ABNORMAL for c in checks)
    lines.append("")
    if state.is_open:
        lines.append(f"已查 {done}/{len(checks)} 项" + (f"，异常 {bad} 项" if bad else ""))
    else:
        when = f" {submitted_at.astimezone(tz):%H:%M}" if submitted_at and tz else ""
        who = f"{esc(submitted_by)}" if submitted_by else ""
        lines.append(f"✔️ {who}{when} 已提交（{state.label}）" + (f"，异常 {bad} 项" if bad else ""))
    return "\n".join(lines)


def checklist_buttons(round_id: int, checks: Sequence[Check]) -> Buttons:
    rows: Buttons = []
    for c in checks:
        label = c.item if len(c.item) <= BUTTON_ITEM_LEN else c.item[: BUTTON_ITEM_LEN - 1] + "…"
        icon = c.state.icon if c.state is not ItemState.UNCHECKED else "未查"
        rows.append(
            [
                (
                    f"{icon} {c.position}. {label}",
                    callbacks.button(PatrolAction.TICK, round_id, c.position),
                )
            ]
        )
    rows.append(
        [
            ("👌 全部正常", callbacks.button(PatrolAction.ALL_OK, round_id)),
            ("📤 提交", callbacks.button(PatrolAction.SUBMIT, round_id)),
        ]
    )
    return rows


def note_prompt(item: str) -> str:
    return (
        f"⚠️ 「{esc(item)}」异常。\n请<b>回复这条消息</b>写一句说明（哪里、什么问题），"
        "也可以回复一张带说明的照片。提交后会自动转成报修单。"
    )


NOTE_ASKED = "已标为异常，请回复提示消息写一句说明。"
NOTE_SAVED = "说明已记下。"
PHOTO_SAVED = "照片已附上。"
NOTE_NOT_ABNORMAL = "这一项现在不是「异常」，说明没有保存。"
ROUND_CLOSED = "这一轮已经提交了，不能再修改。"
NOT_YOUR_ROUND = "抱歉，只有巡查员可以填写巡查表。"
NOT_ON_DUTY = "这一轮巡查不是派给您的，由当班的巡查员填写。"
ROUND_GONE = "找不到这一轮巡查。"
ALL_OK_DONE = "未查的项目已全部记为正常。"
NOTHING_CHANGED = "没有未查的项目。"


def submitted_answer(state: RoundState, repair_ids: Sequence[int]) -> str:
    base = "已提交，谢谢！" if state is RoundState.SUBMITTED else "已提交（迟交），谢谢！"
    if repair_ids:
        base += " 异常项已转报修单：" + "、".join(f"#{i}" for i in repair_ids)
    return base


def repair_description(item: str, note: str | None) -> str:
    return f"{note}（检查项：{item}）" if note else item


def summary(
    title: str, who: str, state: RoundState, checks: Sequence[Check], repair_ids: dict[int, int]
) -> str:
    ok = sum(c.state is ItemState.OK for c in checks)
    bad = [c for c in checks if c.state is ItemState.ABNORMAL]
    head = f"📋 <b>{esc(title)}</b>\n{esc(who)} 已提交（{state.label}）：正常 {ok} 项"
    if not bad:
        return head + "，全部正常。"
    lines = [head + f"，<b>异常 {len(bad)} 项</b>："]
    for c in bad:
        repair = f"（报修单 #{repair_ids[c.id]}）" if c.id in repair_ids else ""
        lines.append(f"⚠️ {esc(c.item)}：{esc(c.note)}{repair}")
    return "\n".join(lines)


def reminder(title: str, minutes: int) -> str:
    return (
        f"⏰ 提醒：<b>{esc(title)}</b> 还没有提交。请在 {minutes} 分钟内完成并点「提交」，"
        "否则会记为漏检。"
    )


def missed_alert(title: str, people: Sequence[str]) -> str:
    if not people:  # nobody was sent the round: no one missed it
        head = f"❗ <b>{esc(title)}</b> 无人值班（未排班），这一轮没有人检查。"
        return head + "请用 /roster 安排巡查员。"
    who = "、".join(esc(p) for p in people)
    return f"❗ <b>{esc(title)}</b> 超时未提交，已记为漏检。值班：{who}"


def nobody_on_duty(title: str) -> str:
    return (
        f"❗ <b>{esc(title)}</b> 没有可以接收的巡查员。请给负责巡查的人加上「巡查员」角色，"
        "或用 /roster 安排值班。"
    )


# ---------------------------------------------------------------- /patrols and export


def rounds_report(day: date, rows: Sequence[tuple[str, str, str, str]]) -> str:
    """rows: (title, who, result, when)."""
    if not rows:
        return f"{day_label(day)}没有巡查记录。"
    lines = [f"📋 <b>{day_label(day)} 巡查记录</b>"]
    for title, who, result, when in rows:
        lines.append(f"• {esc(title)}｜{esc(who)}｜{esc(result)}" + (f"｜{when}" if when else ""))
    lines.append(f"\n{rounds_detail_hint(day)}")
    return "\n".join(lines)


def rounds_detail_hint(day: date) -> str:
    return f"看某一轮每项由谁检查：/patrols {day.month}-{day.day} 早间"


def no_such_round(day: date, slot: Slot) -> str:
    return f"{day_label(day)}没有{slot.short}巡查记录。"


def _credit(c: Check, tz: ZoneInfo) -> str:
    if c.state is ItemState.UNCHECKED or not c.checked_by_name:
        return ""
    when = f" {c.checked_at.astimezone(tz):%H:%M}" if c.checked_at else ""
    return f"　— {esc(c.checked_by_name)}{when}"


def round_detail(
    title: str,
    result: str,
    on_duty: str,
    checks: Sequence[Check],
    *,
    submitted_by: str | None,
    submitted_at: datetime | None,
    tz: ZoneInfo,
) -> str:
    """One round for a supervisor: result, duty, every item with its 检查人, the 提交人."""
    lines = [f"📋 <b>{esc(title)}</b>", f"结果：{esc(result)}", f"值班：{esc(on_duty)}", ""]
    lines.extend(_check_line(c, _credit(c, tz)) for c in checks)
    if submitted_by:
        when = f" {submitted_at.astimezone(tz):%H:%M}" if submitted_at else ""
        lines += ["", f"提交人：{esc(submitted_by)}{when}"]
    return "\n".join(lines)


EXPORT_TITLE = "安全检查记录"
EXPORT_HEADERS = [
    "日期",
    "巡查",
    "计划时间",
    "巡查人",
    "提交人",
    "提交时间",
    "状态",
    "检查项",
    "结果",
    "检查人",
    "检查时间",
    "说明",
    "报修单",
]


def export_caption(first: date) -> str:
    return f"{first.year}年{first.month}月 安全检查记录"


def export_name(first: date) -> str:
    return f"安全检查记录_{first:%Y-%m}.xlsx"


def no_rounds_in_month(first: date) -> str:
    return f"{first.year}年{first.month}月没有巡查记录。"


# ---------------------------------------------------------------- admin


def items_text(items: dict[Slot, list[str]]) -> str:
    lines = ["📝 <b>巡查检查项</b>"]
    for slot in SLOTS:
        lines.append(f"\n<b>{slot.label}</b>")
        lines.extend(f"{i}. {esc(t)}" for i, t in enumerate(items.get(slot, []), start=1))
        if not items.get(slot):
            lines.append("（暂无）")
    lines.append("\n添加：/patrol_items 添加 早间 检查内容\n删除：/patrol_items 删除 早间 3")
    return "\n".join(lines)


def item_added(slot: Slot, text: str) -> str:
    return f"已在{slot.label}检查项中添加：{esc(text)}"


def item_removed(slot: Slot, text: str) -> str:
    return f"已从{slot.label}检查项中删除：{esc(text)}"


ITEMS_USAGE = "用法：/patrol_items（查看）、/patrol_items 添加 早间 内容、/patrol_items 删除 早间 3"


def times_text(times: dict[Slot, time]) -> str:
    parts = "，".join(f"{s.short} {fmt_time(times[s])}" for s in SLOTS)
    return f"⏱ 巡查时间：{parts}\n修改：/patrol_times 07:00,14:00,21:30"


def times_set(times: dict[Slot, time]) -> str:
    parts = "，".join(f"{s.short} {fmt_time(times[s])}" for s in SLOTS)
    return f"巡查时间已改为：{parts}。从下一轮起生效。"


def roster_text(entries: Sequence[RosterEntry], names: dict[int, str]) -> str:
    lines = ["👥 <b>巡查值班表</b>"]
    if not entries:
        lines.append("还没有安排值班：每轮巡查发给所有巡查员。")
    else:
        keyed: dict[str, list[str]] = {}
        for e in entries:
            keyed.setdefault(e.key_label, []).append(names.get(e.user_id, str(e.user_id)))
        for key, people in keyed.items():
            lines.append(f"{key}：{'、'.join(esc(p) for p in people)}")
        lines.append("没有安排的日子，巡查发给所有巡查员。")
    lines.append(
        "\n安排：/roster 周一 张三 李四　或　/roster 2027-03-01 张三\n清除：/roster 周一 清空"
    )
    return "\n".join(lines)


ROSTER_USAGE = "用法：/roster 周一 张三 李四，或 /roster 2027-03-01 张三；/roster 周一 清空"


def roster_set(key: str, names: Sequence[str]) -> str:
    if not names:
        return f"{key} 的值班安排已清除。"
    return f"{key} 值班：{'、'.join(esc(n) for n in names)}"


def holidays_text(hols: Sequence[Holiday]) -> str:
    lines = ["🏖 <b>假期（不发巡查）</b>"]
    if not hols:
        lines.append("暂无。")
    for h in hols:
        span = (
            h.first_day.isoformat()
            if h.first_day == h.last_day
            else (f"{h.first_day.isoformat()} 至 {h.last_day.isoformat()}")
        )
        lines.append(f"#{h.id} {span}")
    lines.append("\n添加：/holiday 2027-01-20 2027-02-20\n删除：/holiday 删除 编号")
    return "\n".join(lines)


def holiday_added(first: date, last: date) -> str:
    span = first.isoformat() if first == last else f"{first.isoformat()} 至 {last.isoformat()}"
    return f"已设为假期：{span}。这段时间不发巡查。"


HOLIDAY_REMOVED = "已删除这段假期。"


# ---- what services say (records, errors) ----------------------------------------------
LATE_AFTER_MISSED = "迟交（曾记漏检）"
SETTINGS_ADMIN_ONLY = "抱歉，只有管理员可以修改巡查设置。"
HOLIDAY_DELETE_USAGE = "请写要删除的假期编号，例如：/holiday 删除 2"
NO_SUCH_HOLIDAY = "没有这个编号的假期。"


def round_result(label: str, abnormal: int) -> str:
    return f"{label}，" + (f"异常 {abnormal} 项" if abnormal else "全部正常")


UNSTAFFED = "未排班"  # a round sent to nobody (no patroller yet): not one anyone missed


def people_on_duty(names: Sequence[str]) -> str:
    return "、".join(names) or UNSTAFFED


def no_such_day(key: str) -> str:
    return f"没有这一天：{key}。"


def too_many_items(limit: int) -> str:
    return f"每一轮最多 {limit} 个检查项。"


def which_item_to_delete(count: int) -> str:
    return f"请写要删除的序号（1–{count}），可先用 /patrol_items 查看。"


def no_such_patroller(token: str, patrollers: Sequence[tuple[str, int]]) -> str:
    names = (
        "、".join(f"{name}（{user_id}）" for name, user_id in patrollers)
        or "（还没有人有巡查员角色）"
    )
    return f"巡查员里没有「{token}」。可写名字（不带空格）或括号里的ID：{names}"


def submitted_at(when: str) -> str:
    return f"{when} 提交"
