"""Everything the purchases feature says, in Chinese. User strings are HTML-escaped here."""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.callbacks import PurchaseCheckAction, button
from bot.domain.messages import Buttons
from bot.domain.purchases import (
    BadLine,
    LineChange,
    PhotoKind,
    Purchase,
    PurchaseLine,
    PurchaseState,
    Supplier,
    fmt_money,
    fmt_number,
    line_changes,
    money,
)


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=False)


ASK_LINES = (
    "好的，请发送采购明细，每行一项：品名 数量单位 单价（或 共×元 总价），"
    "末尾可加 @供应商。例如：\n"
    "<code>猪肉 20斤 13.5\n白菜 50斤 1.2\n大米 2袋 共300元 @粮油店</code>"
)
DRAFT_HINT = (
    "继续发送可追加；「删 2」删第 2 行；「改 2 猪肉 20斤 13」改第 2 行；"
    "「@王记肉铺」填写供应商；直接发照片可附票据或合格证。"
)
CANCELLED = "采购单草稿已取消。"
NO_DRAFT = "您现在没有未提交的采购单。发送 /purchase 开始登记。"
NOT_YOUR_DRAFT = "这不是您的采购单。"
EMPTY_DRAFT = "采购单里还没有任何一项，请先发送采购明细。"
TOO_MANY_LINES = "一张采购单最多 {n} 项，请分成两张登记。"
TOO_MANY_PHOTOS = "一张采购单最多附 {n} 张照片。"
NO_SUCH_LINE = "没有第 {n} 行。"
ASK_PHOTO_KIND = "这张照片是？"
PHOTO_KIND_BUTTONS = ("🧾 票据", "📄 合格证")
PHOTO_GONE = "照片已过期，请重新发送。"
ASK_CERTIFICATE_LINE = "这张合格证是哪一项的？"


def older_draft(day: date) -> str:
    return (f"（这是 {day.month}月{day.day}日 开始、还没提交的采购单草稿。"
            "不是给它的话，请先提交或发送 /cancel 放弃，再重新发送。）")  # fmt: skip


def photos_attached(kind: PhotoKind, count: int) -> str:
    return f"已附上{kind.label}照片。" if count == 1 else f"已附上 {count} 张{kind.label}照片。"


def photo_kind_chosen(kind: PhotoKind, count: int) -> str:
    what = "这张照片" if count == 1 else f"这 {count} 张照片"
    return f"{what}是：{kind.label}"


ASK_REJECT_REASON = "请发送驳回采购单 {number} 的理由（发送 /cancel 放弃）。"
REJECT_ABORTED = "已放弃驳回，采购单仍待确认。"
NEED_SUPERVISOR = "只有监督员可以确认或驳回采购单。"
REPLY_HELP = "回复「确认」表示清点无误，回复「驳回 理由」退回采购员。"
NOT_FOUND = "没有找到这张采购单。"
EXPORT_EMPTY = "{month} 没有已确认的采购记录，没有生成表格。"
SUPPLIER_USAGE = (
    "用法：\n/suppliers — 查看定点供应商\n"
    "/suppliers add 王记肉铺 2027-06-30 — 添加或更新（日期为证照有效期，可不写）\n"
    "/suppliers remove 王记肉铺 — 移除"
)
SUPPLIERS_EMPTY = "还没有登记定点供应商。管理员可发送 /suppliers add 王记肉铺 2027-06-30 添加。"
SUPPLIER_REMOVED = "已移除供应商：{name}"
SUPPLIER_NOT_FOUND = "没有这个供应商：{name}"
ADMIN_ONLY = "只有管理员可以修改定点供应商。"

MAX_BAD_SHOWN = 10  # a long paste of the wrong text must not overflow one message

BUTTON_SUBMIT = "✅ 提交"
BUTTON_CANCEL = "✖️ 取消"
BUTTON_CONFIRM = "✅ 确认"
BUTTON_REJECT = "❌ 驳回"
BUTTON_REOPEN = "✏️ 修改后重新提交"


def _qty(line: PurchaseLine) -> str:
    return f"{fmt_number(line.quantity)}{esc(line.unit)}"


def line_text(line: PurchaseLine, *, show_supplier: bool = True) -> str:
    if line.price_is_total:
        body = (f"{esc(line.item)} {_qty(line)} 共 {fmt_money(line.amount)} 元"
                f"（约 {fmt_money(line.unit_price)} 元/{esc(line.unit)}）")  # fmt: skip
    else:
        body = (f"{esc(line.item)} {_qty(line)} × {fmt_number(line.unit_price)} 元"
                f" = {fmt_money(line.amount)} 元")  # fmt: skip
    if show_supplier and line.supplier:
        body += f" @{esc(line.supplier)}"
    return body


def _suppliers(purchase: Purchase) -> str:
    names = purchase.suppliers
    return "、".join(esc(n) for n in names) if names else "未填写"


def _photo_summary(purchase: Purchase, needs_certificate: bool) -> str:
    receipts = len(purchase.photos_of(PhotoKind.RECEIPT))
    certs = len(purchase.photos_of(PhotoKind.CERTIFICATE))
    cert_text = f"{certs} 张" if certs else ("未上传 ⚠️" if needs_certificate else "无")
    return f"票据：{receipts} 张　合格证：{cert_text}"


def _lines_block(
    purchase: Purchase, cert_items: tuple[str, ...], notes: dict[int, str] | None = None
) -> list[str]:
    missing = set(purchase.missing_certificates(cert_items))
    out = []
    for number, line in enumerate(purchase.lines, start=1):
        text = f"{number}. {line_text(line)}"
        if line.needs_certificate(cert_items):
            text += " 〔待附合格证〕" if line.item in missing else " 〔已附合格证〕"
        out.append(text)
        if notes and number in notes:
            out.append(f"　⚠️ {esc(notes[number])}")
    return out


def _short(reason: str) -> str:
    """A reason may quote what was typed (万万万… of 4,000 characters): keep its start and
    its end, which says what is wrong."""
    return reason if len(reason) <= 80 else f"{reason[:30]}…{reason[-40:]}"


def preview(
    purchase: Purchase, bad: Iterable[BadLine], cert_items: tuple[str, ...],
    note: str | None = None,
) -> str:  # fmt: skip
    parts = [f"🧾 <b>采购单草稿 {purchase.number}</b>"]
    if note:
        parts.append(esc(note))
    if purchase.lines:
        parts += _lines_block(purchase, cert_items)
    else:
        parts.append("（还没有可以登记的项目）")
    parts.append(f"<b>合计 {fmt_money(purchase.total)} 元</b>")
    parts.append(f"供应商：{_suppliers(purchase)}")
    missing = purchase.missing_certificates(cert_items)
    parts.append(_photo_summary(purchase, bool(missing)))
    if missing:
        items = "、".join(esc(i) for i in dict.fromkeys(missing))
        parts.append(f"⚠️ {items} 需要索证索票，请拍合格证/检疫证明发给我。")
    bad = list(bad)
    if bad:
        parts.append("\n<b>以下几行没看懂，未加入：</b>")
        parts += [f"✖ {esc(b.text[:60])}\n　{esc(_short(b.reason))}" for b in bad[:MAX_BAD_SHOWN]]
        if len(bad) > MAX_BAD_SHOWN:
            parts.append(f"……还有 {len(bad) - MAX_BAD_SHOWN} 行没看懂，请检查格式后重发。")
    parts.append(f"\n{DRAFT_HINT}")
    return "\n".join(parts)


def submitted(purchase: Purchase, notified: int) -> str:
    text = (f"采购单 {purchase.number} 已提交，合计 {fmt_money(purchase.total)} 元。"
            "已发给监督员清点确认，结果会通知您。")  # fmt: skip
    if notified == 0:
        text += "\n⚠️ 目前没有其他监督员可以确认，请联系管理员添加监督员。"
    return text


def supplier_note(name: str, supplier: Supplier | None, today: date) -> str | None:
    if supplier is None:
        return f"{esc(name)} 不是登记的定点供应商"
    left = supplier.days_left(today)
    if left is None:
        return None
    if left < 0:
        return f"{esc(name)} 的证照已于 {supplier.certificate_expires} 过期"
    if left <= 30:
        return f"{esc(name)} 的证照将于 {supplier.certificate_expires} 到期"
    return None


def for_supervisor(
    purchase: Purchase, cert_items: tuple[str, ...], price_notes: dict[int, str],
    supplier_notes: list[str], *, settled: bool = False, corrects: Purchase | None = None,
) -> str:  # fmt: skip
    """The supervisor's card; ``settled``: as it reads once decided (no 待确认, no call to
    action; "已由 X 确认" is added under it); ``corrects``: the rejected purchase this one
    corrects, whose reason and changes are shown first."""
    parts = [
        f"🧾 <b>采购单 {purchase.number}{'' if settled else ' 待确认'}</b>",
        f"采购员：{esc(purchase.purchaser_name)}　日期：{purchase.purchase_date}",
    ]
    if corrects is not None:
        parts += corrections(corrects, purchase)
    parts += _lines_block(purchase, cert_items, price_notes)
    parts.append(f"<b>合计 {fmt_money(purchase.total)} 元</b>")
    parts.append(f"供应商：{_suppliers(purchase)}")
    parts += [f"⚠️ {n}" for n in supplier_notes]
    missing = purchase.missing_certificates(cert_items)
    parts.append(_photo_summary(purchase, bool(missing)))
    if missing:
        parts.append(f"⚠️ 缺合格证：{'、'.join(esc(i) for i in dict.fromkeys(missing))}")
    if not settled:
        parts.append(f"请逐项清点过磅后确认。{REPLY_HELP}")
    return "\n".join(parts)


def decided_note(purchase: Purchase) -> str:
    if purchase.state is PurchaseState.CONFIRMED:
        return f"已由 {esc(purchase.confirmed_by_name)} 确认"
    return f"已由 {esc(purchase.rejected_by_name)} 驳回"


def confirmed_for_purchaser(purchase: Purchase, local: datetime) -> str:
    return (f"✅ 采购单 {purchase.number}（合计 {fmt_money(purchase.total)} 元）已由 "
            f"{esc(purchase.confirmed_by_name)} 于 {local:%m-%d %H:%M} 确认。")  # fmt: skip


def rejected_for_purchaser(purchase: Purchase) -> str:
    return (f"❌ 采购单 {purchase.number}（合计 {fmt_money(purchase.total)} 元）被 "
            f"{esc(purchase.rejected_by_name)} 驳回。\n理由：{esc(purchase.reject_reason)}\n"
            "请点「修改后重新提交」，改好后再提交（原来的明细和照片都在）。")  # fmt: skip


def confirmed_ack(purchase: Purchase) -> str:
    return f"已确认采购单 {purchase.number}，合计 {fmt_money(purchase.total)} 元。已通知采购员。"


def rejected_ack(purchase: Purchase) -> str:
    return f"已驳回采购单 {purchase.number}，已把理由告诉采购员。"


def day_list(day: date, purchases: list[Purchase]) -> str:
    if not purchases:
        return f"{day} 没有采购记录。"
    parts = [f"📋 <b>{day} 采购</b>"]
    for p in purchases:
        items = "、".join(esc(ln.item) for ln in p.lines[:6]) + ("等" if len(p.lines) > 6 else "")
        status = p.state.label
        if p.state is PurchaseState.CONFIRMED:
            status += f"·{esc(p.confirmed_by_name)}"
        elif p.state is PurchaseState.REJECTED:
            status += f"·{esc(p.rejected_by_name)}：{esc(p.reject_reason)}"
        parts.append(f"{p.number} {esc(p.purchaser_name)}：{items}　{fmt_money(p.total)} 元"
                     f"　[{status}]")  # fmt: skip
    confirmed = [p for p in purchases if p.state is PurchaseState.CONFIRMED]
    pending = [p for p in purchases if p.state is PurchaseState.SUBMITTED]
    parts.append(f"已确认 {len(confirmed)} 单，合计 {fmt_money(_sum(confirmed))} 元")
    if pending:
        parts.append(f"待确认 {len(pending)} 单，合计 {fmt_money(_sum(pending))} 元")
    return "\n".join(parts)


def _sum(purchases: Iterable[Purchase]) -> Decimal:
    return sum((p.total for p in purchases), Decimal(0))


PUBLIC_HEADERS = (
    "单号",
    "日期",
    "品名",
    "数量",
    "单价(元)",
    "金额(元)",
    "供应商",
    "采购员",
    "监督员",
)


def public_title(day: date) -> str:
    return f"食堂采购公示 {day}"


def public_rows(purchases: list[Purchase]) -> list[list[str]]:
    rows = []
    for p in purchases:
        for line in p.lines:
            rows.append([
                p.number, f"{p.purchase_date:%m-%d}" if p.purchase_date else "",
                line.item, f"{fmt_number(line.quantity)}{line.unit}",
                fmt_money(line.unit_price) if line.price_is_total else fmt_number(line.unit_price),
                fmt_money(line.amount), p.line_supplier(line) or "", p.purchaser_name,
                p.confirmed_by_name or "",
            ])  # fmt: skip
    rows.append(["合计", "", "", "", "", fmt_money(_sum(purchases)), "", "", ""])
    return rows


def public_footer(purchases: list[Purchase]) -> str:
    return f"共 {len(purchases)} 单，经监督员逐项清点确认。如有疑问请联系后勤办公室。"


def public_text(day: date, purchases: list[Purchase]) -> str:
    parts = [f"📢 <b>{public_title(day)}</b>"]
    for p in purchases:
        late = f"（{p.purchase_date} 采购，补充公示）" if p.purchase_date != day else ""
        parts.append(f"\n<b>{p.number}</b>{late} 采购员 {esc(p.purchaser_name)}，"
                     f"监督员 {esc(p.confirmed_by_name)}")  # fmt: skip
        parts += [f"· {line_text(ln, show_supplier=False)}"
                  f"{' @' + esc(p.line_supplier(ln)) if p.line_supplier(ln) else ''}"
                  for ln in p.lines]  # fmt: skip
        parts.append(f"小计 {fmt_money(p.total)} 元")
    parts.append(f"\n<b>合计 {fmt_money(_sum(purchases))} 元</b>（共 {len(purchases)} 单）")
    return "\n".join(parts)


def public_caption(day: date, purchases: list[Purchase]) -> str:
    return f"📢 {public_title(day)}：{len(purchases)} 单，合计 {fmt_money(_sum(purchases))} 元"


EXPORT_HEADERS = (
    "日期", "单号", "品名", "数量", "单位", "单价(元)", "金额(元)", "供应商", "采购员",
    "确认人", "确认时间",
)  # fmt: skip


def export_title(year: int, month: int) -> str:
    return f"食堂采购台账 {year}年{month}月（已确认）"


def export_caption(year: int, month: int, count: int, amount: Decimal) -> str:
    return (f"📊 {year}年{month}月 采购台账：{count} 单，合计 {fmt_money(amount)} 元。"
            "每行一项，含确认人和确认时间。")  # fmt: skip


def export_file_name(year: int, month: int) -> str:
    return f"采购台账-{year}-{month:02d}.xlsx"


def local_time(when: datetime | None, tz: ZoneInfo) -> str:
    return "" if when is None else f"{when.astimezone(tz):%Y-%m-%d %H:%M}"


def suppliers_list(items: list[Supplier], today: date) -> str:
    if not items:
        return SUPPLIERS_EMPTY
    parts = ["🏪 <b>定点供应商</b>"]
    for s in items:
        left = s.days_left(today)
        if left is None:
            status = "证照有效期未登记"
        elif left < 0:
            status = f"⚠️ 证照已于 {s.certificate_expires} 过期"
        elif left <= 30:
            status = f"⚠️ 证照 {s.certificate_expires} 到期（还剩 {left} 天）"
        else:
            status = f"证照有效至 {s.certificate_expires}"
        parts.append(f"· {esc(s.name)}：{status}")
    return "\n".join(parts)


def supplier_saved(name: str, expires: date | None, new: bool) -> str:
    verb = "已添加" if new else "已更新"
    until = f"，证照有效至 {expires}" if expires else ""
    return f"{verb}定点供应商：{esc(name)}{until}"


def supplier_expiring(s: Supplier, today: date) -> str:
    left = s.days_left(today)
    if left is not None and left < 0:
        return (f"⚠️ 定点供应商 {esc(s.name)} 的证照已于 {s.certificate_expires} 过期，"
                "请尽快索取新证照，更新后发送 /suppliers add 名称 新日期。")  # fmt: skip
    return (f"⏰ 定点供应商 {esc(s.name)} 的证照将于 {s.certificate_expires} 到期"
            f"（还剩 {left} 天），请提前索取新证照。")  # fmt: skip


# ---- what services say (errors, notes under the preview, audit and export lines) ------
def draft_cancelled(purchase: Purchase) -> str:
    return f"采购单 {purchase.number} 已取消。发送 /purchase 重新登记。"


def draft_already_submitted(purchase: Purchase) -> str:
    return f"采购单 {purchase.number} 已提交（{purchase.state.label}），不能再修改。"


def continuing_draft(purchase: Purchase) -> str:
    return f"继续您未提交的采购单 {purchase.number}。"


def line_deleted(number: int) -> str:
    return f"已删除第 {number} 行。"


def line_replaced(number: int) -> str:
    return f"已修改第 {number} 行。"


def reopened(rejected: Purchase) -> str:
    """Under the reopened draft's preview: plain text (the preview escapes it)."""
    reason = (rejected.reject_reason or "").rstrip("。.！!")  # the sentence ends it once
    return (f"这是被驳回的采购单 {rejected.number} 的修改稿，原来的明细和照片都在。"
            f"驳回理由：{reason}。改好后点「提交」。")  # fmt: skip


def already_resubmitted(rejected: Purchase, again: Purchase) -> str:
    return f"采购单 {rejected.number} 已修改后重新提交为 {again.number}（{again.state.label}）。"


def finish_open_draft_first(draft: Purchase, rejected: Purchase) -> str:
    return (f"您还有未提交的采购单草稿 {draft.number}。请先提交或发送 /cancel 取消它，"
            f"再重新打开 {rejected.number}。")  # fmt: skip


def _change_text(change: LineChange) -> str:
    if change.kind == "added":
        assert change.after is not None
        return f"＋ 新增 {line_text(change.after)}"
    if change.kind == "removed":
        assert change.before is not None
        return f"－ 删去 {line_text(change.before)}"
    assert change.before is not None and change.after is not None
    return f"✎ {line_text(change.before)}\n　→ {line_text(change.after)}"


def corrections(rejected: Purchase, purchase: Purchase) -> list[str]:
    """On the supervisor's card of a corrected purchase: why it came back and what changed."""
    parts = [f"🔁 <b>修改后重新提交</b>：原采购单 {rejected.number} 被 "
             f"{esc(rejected.rejected_by_name)} 驳回（{esc(rejected.reject_reason)}）"]  # fmt: skip
    changes = line_changes(rejected.lines, purchase.lines)
    if changes:
        parts.append("改动：")
        parts += [_change_text(c) for c in changes]
        before, after = fmt_money(rejected.total), fmt_money(purchase.total)
        if before != after:
            parts.append(f"合计 {before} 元 → {after} 元")
    else:
        parts.append("明细没有改动。")
    added = len(purchase.photos) - len(rejected.photos)
    if added > 0:
        parts.append(f"补了 {added} 张照片。")
    return parts


def already_submitted(purchase: Purchase) -> str:
    return f"采购单 {purchase.number} 已经提交过了。"


def submitted_detail(lines: int, total: object) -> str:
    return f"{lines} 项，合计 {total}"


def posted_detail(purchases: int, amount: object) -> str:
    return f"{purchases} 单，合计 {amount}"


EXPORT_TOTAL = "合计"


def count_orders(n: int) -> str:
    return f"{n} 单"


def count_items(n: int) -> str:
    return f"{n} 项"


def export_empty_month(year: int, month: int) -> str:
    return EXPORT_EMPTY.format(month=f"{year}年{month}月")


def price_note(line: PurchaseLine, price: Decimal, unit: str, warning: str) -> str:
    """「单价 14 元/斤，较近30天均价…」; a line bought in another weight unit also shows its
    price per 斤: 「单价 20 元/斤（40 元/公斤），…」."""
    if unit == line.unit:
        return f"单价 {line.unit_price} 元/{esc(line.unit)}，{warning}"
    typed = f"{line.unit_price} 元/{esc(line.unit)}"
    return f"单价 {fmt_number(money(price))} 元/{unit}（{typed}），{warning}"


# ---- photos after a purchase was submitted ------------------------------------------
def not_your_purchase(purchase: Purchase) -> str:
    return f"采购单 {purchase.number} 不是您提交的，照片没有附上。"


def late_photo_added(purchase: Purchase, kind: PhotoKind) -> str:
    return f"已把{kind.label}照片补到采购单 {purchase.number}，并转给主管。"


def late_photo_for_supervisor(purchase: Purchase, kind: PhotoKind, caption: str) -> str:
    note = f"：{html.escape(caption, quote=False)}" if caption.strip() else ""
    name = html.escape(purchase.purchaser_name, quote=False)
    return f"📎 {name} 给采购单 {purchase.number} 补了{kind.label}照片{note}"


def unclear_reply(purchase: Purchase) -> str:
    return f"没看明白这条回复。采购单 {purchase.number} 是确认还是驳回？"


def check_buttons(purchase_id: int) -> Buttons:
    return [[(BUTTON_CONFIRM, button(PurchaseCheckAction.CONFIRM, purchase_id)),
             (BUTTON_REJECT, button(PurchaseCheckAction.REJECT, purchase_id))]]  # fmt: skip


def certificate_for(item: str) -> str:
    return f"已作为「{esc(item)}」的合格证附上。"
