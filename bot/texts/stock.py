"""Texts for the storeroom (仓库): stock, requisitions (物品领用) and parts at repairs."""

from __future__ import annotations

import html
from decimal import Decimal

from bot import callbacks
from bot.callbacks import StockAction
from bot.domain.messages import Buttons
from bot.domain.stock import StockItem, quantity_text

REF = "req"  # outbox ref namespace of a requisition

STOCK_USAGE = (
    "仓库：\n/stock — 库存清单\n/stock in 灯管 50根 6.5 — 入库（品名 数量单位 单价）\n"
    "/stock min 灯管 20 — 设最低库存，低于它会提醒采购\n/领用 作业本 40本 三年级二班 — 申请领用"
)
MIN_USAGE = "请这样写：/stock min 灯管 20"
UNIT_NEEDED = "新物品请写上单位，例如：/stock in 灯管 50根 6.5"
NOT_FOUND = "找不到这条记录。"
NOT_YOURS = "这不是您的领用申请。"
REQUEST_DROPPED = "好的，这次不领了。"
RECEIVED_ALREADY = "您已确认领到，谢谢。"
NOT_YOUR_REPAIR = "只有负责这张报修单的维修工可以登记用料。"
REPAIR_NOT_DONE = "这张报修单还没开始维修，暂不能登记用料。"
REASON_IN = "入库"
EMPTY = "仓库里还没有物品。仓库管理员可用 /stock in 灯管 50根 6.5 入库。"
PICK_ITEM = "要领什么？点一下物品，再告诉我数量和用途。"
_STATES = {"approved": "已同意", "refused": "未同意", "received": "已领取", "pending": "待审批"}


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def ref(req_id: int) -> str:
    return f"{REF}:{req_id}"


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def no_such_item(name: str) -> str:
    return f"仓库里没有“{esc(name)}”。用 /stock 查看库存。"


def short(item: StockItem, wanted: Decimal) -> str:
    return (
        f"库存不足：{esc(item.name)}只剩 {quantity_text(item.quantity, item.unit)}，"
        f"需要 {quantity_text(wanted, item.unit)}。"
    )


def stock_list(items: list[StockItem]) -> str:
    if not items:
        return EMPTY
    lines = ["📦 库存："]
    total = Decimal(0)
    for item in items:
        low = " ⚠️低于最低库存" if item.is_low else ""
        value = f"，{money(item.value)} 元" if item.unit_cost is not None else ""
        lines.append(f"• {esc(item.name)} {quantity_text(item.quantity, item.unit)}{value}{low}")
        total += item.value
    lines.append(f"合计 {money(total)} 元")
    return "\n".join(lines)


def stocked_in(item: StockItem) -> str:
    return f"已入库。{esc(item.name)}现有 {quantity_text(item.quantity, item.unit)}。"


def minimum_set(item: StockItem) -> str:
    return f"好的，{esc(item.name)}低于 {quantity_text(item.minimum, item.unit)} 时会提醒。"


def low_stock(item: StockItem) -> str:
    return (
        f"⚠️ 库存不足：{esc(item.name)}只剩 {quantity_text(item.quantity, item.unit)}"
        f"（最低 {quantity_text(item.minimum, item.unit)}），"
        f"建议采购 {quantity_text(item.suggested_order(), item.unit)}。"
    )


def requested(req_id: int) -> str:
    return f"领用申请 #{req_id} 已提交，等仓库管理员同意。"


def request_to_keeper(
    req_id: int, name: str, item: StockItem, quantity: Decimal, purpose: str
) -> str:
    return (
        f"📦 领用申请 #{req_id}：{esc(name)} 领 {esc(item.name)} "
        f"{quantity_text(quantity, item.unit)}，用途：{esc(purpose)}"
        f"（库存 {quantity_text(item.quantity, item.unit)}）"
    )


def keeper_buttons(req_id: int) -> Buttons:
    return [
        [
            ("✅ 同意", callbacks.button(StockAction.APPROVE, req_id)),
            ("❌ 不同意", callbacks.button(StockAction.REFUSE, req_id)),
        ]
    ]


def receipt_buttons(req_id: int) -> Buttons:
    return [[("✍️ 确认领到", callbacks.button(StockAction.RECEIVED, req_id))]]


def approved_to_requester(req_id: int, item: StockItem, quantity: Decimal) -> str:
    return (
        f"✅ 领用申请 #{req_id} 已同意：{esc(item.name)} {quantity_text(quantity, item.unit)}。"
        "领到后请点“确认领到”（即签收）。"
    )


def refused_to_requester(req_id: int, item: StockItem, quantity: Decimal) -> str:
    return f"领用申请 #{req_id}（{esc(item.name)} {quantity_text(quantity, item.unit)}）未获同意。"


def decided(req_id: int, approved: bool) -> str:
    return f"已{'同意' if approved else '拒绝'}领用申请 #{req_id}。"


def decided_already(state: str) -> str:
    return f"这条申请已处理（{_STATES.get(state, state)}）。"


def received(req_id: int) -> str:
    return f"已签收领用 #{req_id}，谢谢。"


def reason_requisition(req_id: int, purpose: str) -> str:
    return f"领用 #{req_id}：{purpose}"


def reason_purchase(purchase_id: int) -> str:
    return f"采购 #{purchase_id}"


def reason_repair(repair_id: int) -> str:
    return f"维修 #{repair_id}"


def ask_parts(repair_id: int, parts: bool = True, assets: bool = False) -> str:
    lines = []
    if parts:
        lines.append(
            f"报修单 #{repair_id} 用了哪些材料？点下面的按钮（每点一次记1个），"
            "或直接回复这条消息，例如：换灯管2根 启辉器1个"
        )
    if assets:
        lines.append(f"报修单 #{repair_id} 修的是哪件资产？点带 🏷 的按钮记到它的台账。")
    return "\n".join(lines)


def parts_buttons(repair_id: int, items: list[StockItem]) -> Buttons:
    return [
        [
            (f"{item.name} +1", callbacks.button(StockAction.PART_USED, repair_id, item.id))
            for item in items
        ]
    ]


def parts_used(repair_id: int, used: list[tuple[StockItem, Decimal]]) -> str:
    parts = "、".join(f"{esc(i.name)} {quantity_text(q, i.unit)}" for i, q in used)
    left = "，".join(f"{esc(i.name)}还剩 {quantity_text(i.quantity, i.unit)}" for i, _ in used)
    return f"已记入报修单 #{repair_id}：{parts}。{left}。"


def item_buttons(items: list[StockItem]) -> Buttons:
    buttons = [
        (
            f"{i.name}（{quantity_text(i.quantity, i.unit)}）",
            callbacks.button(StockAction.PICK_ITEM, i.id),
        )
        for i in items[:24]
    ]
    return [buttons[n : n + 2] for n in range(0, len(buttons), 2)]


def ask_amount(item: StockItem) -> str:
    return (
        f"领{esc(item.name)}：请写数量和用途，例如：10{esc(item.unit)} 三年级二班"
        f"（现有 {quantity_text(item.quantity, item.unit)}）"
    )
