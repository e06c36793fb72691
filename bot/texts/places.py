"""Texts for places (地点), the place list and QR stickers."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import tzinfo
from decimal import Decimal
from itertools import groupby

from bot import callbacks
from bot.callbacks import PlaceAction
from bot.domain.messages import Buttons
from bot.domain.places import NewPlace, Place
from bot.domain.repairs import Category, RepairTicket
from bot.domain.stock import StockMove, quantity_text

MAX_HISTORY = 30

IMPORT_CAPTION = "地点"

USAGE = (
    "地点管理：\n"
    "/places — 查看全部地点\n"
    "/places add 教学楼 302教室 — 添加地点（可写楼层：/places add 教学楼 3楼 302教室）\n"
    "/places map 三楼办公室 教学楼 教师办公室 — 把大家写的地点对应到清单里的地点\n"
    "发送 .xlsx 或 .csv 文件并配文「地点」— 批量导入（列：楼栋、楼层、房间）\n"
    "/qr 教学楼 — 打印报修二维码"
)
MAP_USAGE = (
    "请这样写：/places map 大家写的地点 清单里的地点，例如 /places map 三楼办公室 教学楼 教师办公室"
)
NO_PLACES = (
    "还没有地点清单。管理员可用 /places add 教学楼 302教室 添加，或发送表格并配文「地点」导入。"
)
IMPORT_WRONG_TYPE = "请发送 .xlsx 或 .csv 表格（列：楼栋、楼层、房间）。"
IMPORT_UNREADABLE = "这个表格打不开，请另存为 .xlsx 或 .csv（UTF-8）后再发。"
IMPORT_TOO_LARGE = "表格太大了，请控制在 2MB 以内。"
IMPORT_EMPTY = "表格里没有读到地点。请确认有「楼栋」和「房间」两列。"
IMPORT_DONE_ALREADY = "这批地点已经导入过了。"
IMPORT_BUTTON = "✅ 导入"
QR_WORKING = "正在生成二维码，请稍候…"
QR_PREVIEW = "报修二维码预览（第1页）"
QR_SCAN = "扫码报修"
NO_BOT_USERNAME = "暂时无法生成二维码：还不知道机器人的用户名，请稍后再试。"
ADMIN_ONLY = "只有管理员可以修改地点清单。"
STALE = "这个按钮已失效。"
PLACE_USAGE = "请写上地点，例如：/place 302"


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def already_listed(name: str) -> str:
    return f"「{esc(name)}」已在地点清单里。"


def no_such_place(typed: str) -> str:
    return f"地点清单里找不到「{esc(typed)}」。用 /places 查看全部地点。"


def no_places_in(building: str) -> str:
    return f"「{esc(building)}」还没有地点。用 /places 查看全部地点。"


def added(place: Place) -> str:
    floor = f"（{esc(place.floor)}）" if place.floor else ""
    return f"已添加地点：{esc(place.name)}{floor}"


def mapped(typed: str, place: Place) -> str:
    return f"好的，以后写「{esc(typed)}」就是 {esc(place.name)}。"


def place_list(places: list[Place], unmatched: list[tuple[str, int]]) -> str:
    if not places:
        lines = [NO_PLACES]
    else:
        lines = [f"地点清单（共 {len(places)} 个）："]
        for building, group in groupby(places, key=lambda p: p.building):
            rooms = list(group)
            lines.append(f"\n<b>{esc(building)}</b>")
            for floor, on_floor in groupby(rooms, key=lambda p: p.floor):
                names = "、".join(esc(p.room) for p in on_floor)
                lines.append(f"  {esc(floor) or '其他'}：{names}")
    if unmatched:
        lines.append("\n还没对上清单的写法（可用 /places map 对应）：")
        lines.extend(f"• {esc(typed)}（{count}次）" for typed, count in unmatched)
    return "\n".join(lines)


def import_preview(new: list[NewPlace], total: int, skipped: tuple[int, ...]) -> str:
    lines = [f"表格里读到 {total} 个地点，其中 {len(new)} 个是新的："]
    lines.extend(f"• {esc(p.name)}" for p in new[:30])
    if len(new) > 30:
        lines.append(f"……等 {len(new)} 个")
    if skipped:
        rows = "、".join(str(n) for n in skipped[:10])
        lines.append(f"第 {rows} 行没读懂，已跳过。")
    lines.append("确认无误请点「导入」。" if new else "没有新地点需要导入。")
    return "\n".join(lines)


def import_button(import_id: int) -> Buttons:
    return [[(IMPORT_BUTTON, callbacks.button(PlaceAction.IMPORT, import_id))]]


def imported(count: int) -> str:
    return f"已导入 {count} 个地点。用 /qr 可打印报修二维码。"


def qr_caption(count: int, building: str | None) -> str:
    where = f"「{esc(building)}」" if building else "全部"
    return f"{where}报修二维码，共 {count} 张，A4 打印后剪开贴在门上即可。"


def start_at_place(place: Place) -> str:
    return f"报修地点：{esc(place.name)}，请拍照发来（可加一句说明）"


UNKNOWN_PLACE_CODE = "这个二维码对应的地点已不在清单里，请直接发照片并写上地点。"


def place_history(
    place: Place,
    repairs: list[RepairTicket],
    advice: list[tuple[Category, int]],
    tz: tzinfo,
    parts: Mapping[int, Sequence[StockMove]],
) -> str:
    floor = f"（{esc(place.floor)}）" if place.floor else ""
    lines = [f"📍 <b>{esc(place.name)}</b>{floor}"]
    for category, count in advice:
        lines.append(f"⚠️ 近90天{category.label}报修{count}次，建议更换")
    if not repairs:
        lines.append("还没有报修记录。")
        return "\n".join(lines)
    lines.append(f"报修记录（共 {len(repairs)} 次）：")
    for r in repairs[:MAX_HISTORY]:
        when = r.created_at.astimezone(tz).strftime("%Y-%m-%d")
        who = f"，{esc(r.assignee_name)}" if r.assignee_name else ""
        lines.append(
            f"• #{r.id} {when} {r.category.label}：{esc(r.description)} — {r.state.label}{who}"
        )
        if r.done_note:
            lines.append(f"  维修说明：{esc(r.done_note)}")
        used = parts.get(r.id, [])
        if used:
            cost = sum((m.cost for m in used), Decimal(0))
            names = "、".join(f"{esc(m.item)} {quantity_text(-m.delta, m.unit)}" for m in used)
            lines.append(f"  用料：{names}，{cost:.2f} 元")
    total = sum((m.cost for ms in parts.values() for m in ms), Decimal(0))
    if total:
        lines.append(f"用料合计 {total:.2f} 元")
    if len(repairs) > MAX_HISTORY:
        lines.append(f"……更早的 {len(repairs) - MAX_HISTORY} 次未列出")
    return "\n".join(lines)
