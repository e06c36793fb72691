"""Texts for the asset register (资产台账) and stocktakes (盘点)."""

from __future__ import annotations

import html
from datetime import tzinfo
from decimal import Decimal

from bot import callbacks
from bot.callbacks import AssetAction
from bot.domain.assets import Asset, Check, NewAsset
from bot.domain.messages import Buttons
from bot.domain.repairs import RepairTicket

USAGE = (
    "资产台账：\n/assets — 全部资产\n/assets add 空调 教学楼302 编号 KT-017 2019-09 3200元 — 登记\n"
    "/asset KT-017 — 资产的维修记录和维修费用\n/asset KT-017 link 12 — 把报修单 #12 记到这件资产\n"
    "/stocktake 教学楼 — 盘点\n/export assets、/export stocktake — 导出表格"
)
STOCKTAKE_USAGE = "请写上楼栋，例如：/stocktake 教学楼"
NO_STOCKTAKE = "还没有盘点记录。"
NO_SUCH_REPAIR = "没有这张报修单。"
IMPORT_CAPTION = "资产"
IMPORT_TOO_LARGE = "表格太大了，请控制在 2MB 以内。"
IMPORT_EMPTY = "表格里没有读到资产。请确认有「编号」「名称」「地点」三列。"
IMPORT_DONE_ALREADY = "这批资产已经导入过了。"
IMPORT_BUTTON = "✅ 导入"
NOT_YOUR_REPAIR = "只有负责这张报修单的维修工或监督员可以这样做。"
ASSET_USAGE = "请写上资产编号，例如：/asset KT-017"
EMPTY = "还没有登记资产。管理员可用 /assets add 空调 教学楼302 编号 KT-017 2019-09 3200元 登记。"
_MARK = {None: "⬜", Check.PRESENT: "✅", Check.MISSING: "❓", Check.DAMAGED: "🔧"}


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def _value(asset: Asset) -> str:
    return f"{asset.value:.2f} 元" if asset.value is not None else "原值未填"


def tag_taken(tag: str) -> str:
    return f"编号 {esc(tag)} 已登记过了。"


def no_such_asset(tag: str) -> str:
    return f"没有编号为 {esc(tag)} 的资产。"


def no_assets_in(building: str) -> str:
    return f"「{esc(building)}」还没有登记资产。"


def added(asset: Asset) -> str:
    bought = f"，{esc(asset.bought)} 购置" if asset.bought else ""
    return (
        f"已登记资产 {esc(asset.tag)}：{esc(asset.name)}（{asset.category.label}），"
        f"在 {esc(asset.place)}{bought}，{_value(asset)}。"
    )


def linked(asset: Asset, repair_id: int) -> str:
    return f"已把报修单 #{repair_id} 记到 {esc(asset.tag)} {esc(asset.name)}。"


def register(assets: list[Asset]) -> str:
    if not assets:
        return EMPTY
    lines = [f"资产台账（共 {len(assets)} 件）："]
    lines.extend(f"• {esc(a.tag)} {esc(a.name)} — {esc(a.place)}，{_value(a)}" for a in assets[:60])
    total = sum((a.value or Decimal(0) for a in assets), Decimal(0))
    lines.append(f"原值合计 {total:.2f} 元。导出：/export assets")
    return "\n".join(lines)


def asset_record(asset: Asset, repairs: list[RepairTicket], cost: Decimal, tz: tzinfo) -> str:
    bought = f"，{esc(asset.bought)} 购置" if asset.bought else ""
    lines = [
        f"🏷 <b>{esc(asset.tag)}</b> {esc(asset.name)}（{asset.category.label}）",
        f"地点：{esc(asset.place)}{bought}，{_value(asset)}",
    ]
    if not repairs:
        lines.append("还没有维修记录。")
    else:
        lines.append(f"维修 {len(repairs)} 次，用料费用合计 {cost:.2f} 元：")
        for r in repairs:
            when = r.created_at.astimezone(tz).strftime("%Y-%m-%d")
            lines.append(f"• #{r.id} {when} {esc(r.description)} — {r.state.label}")
    return "\n".join(lines)


def damaged_description(asset: Asset) -> str:
    return f"盘点发现损坏：{asset.name}（编号 {asset.tag}）"


def checklist(
    stocktake_id: int, place: str, rows: list[tuple[Asset, Check | None, int | None]]
) -> str:
    lines = [f"📋 盘点 · {esc(place)}", "逐件点选：在 / 缺失 / 损坏（损坏会自动报修）"]
    for asset, result, repair_id in rows:
        mark = _MARK[result]
        state = f" {result.label}" if result else ""
        repair = f"（已报修 #{repair_id}）" if repair_id else ""
        lines.append(f"{mark} {esc(asset.tag)} {esc(asset.name)}{state}{repair}")
    return "\n".join(lines)


def checklist_buttons(
    stocktake_id: int, rows: list[tuple[Asset, Check | None, int | None]]
) -> Buttons:
    return [
        [
            (
                f"{asset.tag} {check.label}",
                callbacks.button(AssetAction.CHECK, stocktake_id, asset.id, code),
            )
            for check, code in ((Check.PRESENT, "p"), (Check.MISSING, "m"), (Check.DAMAGED, "d"))
        ]
        for asset, _, _ in rows
    ]


CHECK_CODES = {"p": Check.PRESENT, "m": Check.MISSING, "d": Check.DAMAGED}


def checked(asset_tag: str, result: Check, repair_id: int | None) -> str:
    repair = f"，已转报修单 #{repair_id}" if repair_id else ""
    return f"已记：{asset_tag} {result.label}{repair}"


def stocktake_started(building: str, places: int) -> str:
    return f"开始盘点「{esc(building)}」，共 {places} 处。点完后可用 /export stocktake 导出结果。"


def export_caption(what: str) -> str:
    return f"{what}，可直接用 Excel 打开。"


def link_buttons(repair_id: int, assets: list[Asset]) -> Buttons:
    """Under the repairer's "which parts?" question: the assets at the repair's place."""
    return [
        [(f"🏷 {a.tag} {a.name}", callbacks.button(AssetAction.LINK, repair_id, a.id))]
        for a in assets[:6]
    ]


def import_preview(new: list[NewAsset], total: int, skipped: tuple[int, ...]) -> str:
    lines = [f"表格里读到 {total} 件资产，其中 {len(new)} 件未登记过："]
    lines.extend(
        f"• {esc(a.tag)} {esc(a.name)} — {esc(a.place)}"
        + (f"，{a.value:.2f} 元" if a.value is not None else "")
        for a in new[:30]
    )
    if len(new) > 30:
        lines.append(f"……等 {len(new)} 件")
    if skipped:
        lines.append(f"第 {'、'.join(str(n) for n in skipped[:10])} 行没读懂，已跳过。")
    lines.append("确认无误请点「导入」。" if new else "没有新资产需要导入。")
    return "\n".join(lines)


def imported(count: int) -> str:
    return f"已导入 {count} 件资产。用 /assets 查看，/stocktake 楼栋 开始盘点。"


def import_button(import_id: int) -> Buttons:
    return [[(IMPORT_BUTTON, callbacks.button(AssetAction.IMPORT, import_id))]]


def ask_note(tag: str, result: Check) -> str:
    return f"{esc(tag)} {result.label}：可以回复一句说明或发一张照片（不需要就继续点下一件）。"


def note_saved(tag: str) -> str:
    return f"已记下 {esc(tag)} 的说明。"
