"""What the bot says about weekly menus (周食谱). HTML parse mode: user text is escaped."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, timedelta

from bot import callbacks
from bot.callbacks import MenuAction
from bot.domain.menus import MEALS, LineProblem, MenuWeek
from bot.domain.messages import Buttons
from bot.domain.patrols import WEEKDAYS

PICTURE_FOOTER = "后勤处 · 食堂"
DISH_SEP = "、"


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=False)


def week_label(monday: date) -> str:
    sunday = monday + timedelta(days=6)
    return f"{monday.month}月{monday.day}日—{sunday.month}月{sunday.day}日"


def week_title(monday: date) -> str:
    return f"周食谱（{week_label(monday)}）"


def day_title(day: date) -> str:
    return f"{day.month}月{day.day}日（{WEEKDAYS[day.weekday()]}）食谱"


def week_text(week: MenuWeek, *, heading: str | None = None) -> str:
    lines = [f"🍱 <b>{esc(heading or week_title(week.week))}</b>"]
    for d in week.days:
        day = week.week + timedelta(days=d)
        lines.append(f"\n<b>{WEEKDAYS[d]}（{day.month}/{day.day}）</b>")
        for meal, dishes in week.day(d).items():
            lines.append(f"{meal.label}：{esc(DISH_SEP.join(dishes))}")
    return "\n".join(lines)


def day_text(week: MenuWeek, day: date) -> str:
    meals = week.day(day.weekday())
    lines = [f"🍱 <b>{day_title(day)}</b>"]
    for meal, dishes in meals.items():
        lines.append(f"{meal.label}：{esc(DISH_SEP.join(dishes))}")
    return "\n".join(lines)


def table(week: MenuWeek) -> tuple[list[str], list[list[str]]]:
    """Header and rows for the picture: days × meals."""
    header = ["", *(m.label for m in MEALS)]
    rows = []
    for d in range(7):
        meals = week.day(d)
        if not meals:
            continue
        day = week.week + timedelta(days=d)
        rows.append(
            [
                f"{WEEKDAYS[d]} {day.month}/{day.day}",
                *("\n".join(meals.get(m, ())) or "—" for m in MEALS),
            ]
        )
    return header, rows


MAX_PROBLEMS_SHOWN = 10  # a pasted spreadsheet must not bury the preview
_CLIP = 40


def _clip(line: str) -> str:
    return line if len(line) <= _CLIP else line[: _CLIP - 1] + "…"


def preview(week: MenuWeek, problems: Sequence[LineProblem], *, existing: bool) -> str:
    parts = []
    if week.empty:
        parts.append("没有读出任何一餐。")
    else:
        parts.append(week_text(week, heading=f"预览：{week_title(week.week)}"))
    if problems:
        parts.append("\n⚠️ <b>这些行没有读懂：</b>")
        parts.extend(
            f"第 {p.line_no} 行「{esc(_clip(p.line))}」：{esc(p.reason)}"
            for p in problems[:MAX_PROBLEMS_SHOWN]
        )
        if len(problems) > MAX_PROBLEMS_SHOWN:
            parts.append(
                f"……还有 {len(problems) - MAX_PROBLEMS_SHOWN} 行没有读懂，请检查格式后重发。"
            )
    if not week.empty:
        note = "（会覆盖这一周已有的食谱）" if existing else ""
        parts.append(f"\n确认无误请点「保存」{note}。")
    else:
        parts.append(f"\n{SETMENU_USAGE}")
    return "\n".join(parts)


def preview_buttons(draft_id: int) -> Buttons:
    return [
        [
            ("💾 保存", callbacks.button(MenuAction.SAVE, draft_id)),
            ("✖️ 取消", callbacks.button(MenuAction.CANCEL, draft_id)),
        ]
    ]


SETMENU_USAGE = (
    "用法：/setmenu 后面每行写一餐，例如：\n"
    "/setmenu\n周一 早餐: 包子, 豆浆, 鸡蛋\n周一 午餐: 红烧肉, 炒青菜, 米饭\n"
    "默认是下周的食谱；第一行写日期（如 2026-12-07）可指定那一周。"
)


def saved(monday: date) -> str:
    return f"已保存{week_title(monday)}。"


def saved_view(week: MenuWeek) -> str:
    return week_text(week) + f"\n\n✅ <b>{saved(week.week)}</b>"


CANCELLED = "已取消，这份食谱没有保存。"
DRAFT_GONE = "这份预览已失效，请重新发送 /setmenu。"


def already(state: str) -> str:
    return "这份食谱已经保存过了。" if state == "saved" else "这份预览已取消。"


def no_menu(monday: date) -> str:
    return f"{week_title(monday)}还没有录入。"


def no_menu_today(day: date) -> str:
    return f"{day_title(day)}还没有录入。"


def copied(source: date, target: date, count: int) -> str:
    return (
        f"已把{week_title(source)}复制到下周（{week_label(target)}），共 {count} 餐。\n"
        "需要改动的，复制下面这段，改好后发给我（会整周覆盖）。"
    )


def copy_to_edit(week: MenuWeek) -> str:
    """The copied week as a block the canteen can copy, edit and send back."""
    return f"<pre>{esc(setmenu_lines(week))}</pre>"


def nothing_to_copy(source: date) -> str:
    return f"{week_title(source)}是空的，没有可复制的内容。"


def target_exists(target: date) -> str:
    return f"下周（{week_label(target)}）已经有食谱了。如要覆盖，请发送 /copymenu 覆盖"


def weekly_push(week: MenuWeek) -> str:
    return week_text(week, heading=f"下周{week_title(week.week)}")


def friday_reminder(monday: date) -> str:
    return (
        f"⏰ 下周（{week_label(monday)}）的食谱还没有录入，"
        "请用 /setmenu 发送，或 /copymenu 复制本周的。"
    )


def setmenu_lines(week: MenuWeek) -> str:
    """The week as /setmenu lines, so the canteen can copy, edit and send it back."""
    lines = [f"/setmenu {week.week.isoformat()}"]
    for d in week.days:
        for meal, dishes in week.day(d).items():
            lines.append(f"{WEEKDAYS[d]} {meal.label}: {'，'.join(dishes)}")
    return "\n".join(lines)


CANTEEN_ONLY = "抱歉，只有食堂管理员或管理员可以录入食谱。"
