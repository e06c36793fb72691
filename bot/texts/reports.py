"""The year-end numbers as a short message."""

from __future__ import annotations

import html

from bot.domain.purchases import fmt_money, fmt_number
from bot.domain.repairs import Category
from bot.domain.reports import Summary
from bot.domain.stock import quantity_text

USAGE_HINT = "可写 /report 2026（全年）、/report 2026-11 或 /report 上月。"


def _hours(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 48:
        return f"{value:.1f} 小时"
    return f"{value / 24:.1f} 天"


def _category(value: str) -> str:
    try:
        return Category(value).label
    except ValueError:
        return value


# States shown even at 0, so a month without a backlog says so.
_ALWAYS = frozenset({"待受理", "维修中", "待验收", "已验收"})


def summary(s: Summary) -> str:
    r, p, pt = s.repairs, s.purchases, s.patrols
    lines = [f"📊 <b>后勤工作统计 · {s.period.label}</b>", ""]
    states = [("待受理", r.new), ("已受理", r.accepted), ("维修中", r.in_progress),
              ("搁置", r.on_hold), ("待验收", r.done), ("已验收", r.verified),
              ("驳回", r.rejected)]  # fmt: skip
    lines.append(
        f"🛠 <b>报修</b> 共 {r.total} 单："
        + "，".join(f"{label} {n}" for label, n in states if n or label in _ALWAYS)
    )
    if r.by_category:
        lines.append(
            "　按类别：" + "，".join(f"{_category(c)} {n}" for c, n in r.by_category.items())
        )
    if r.total:
        lines.append(
            f"　平均受理用时 {_hours(r.avg_accept_hours)}，平均修好用时 {_hours(r.avg_fix_hours)}"
        )
    if r.from_patrols:
        lines.append(f"　其中巡查发现 {r.from_patrols} 单")
    if s.parts_used:  # issue 16: 「更换灯管 84根、水龙头 18个」
        lines.append(
            "　更换用料："
            + "、".join(f"{html.escape(name, quote=False)} {quantity_text(q, unit)}"
                       for name, q, unit in s.parts_used)
        )  # fmt: skip
    lines.append("")
    lines.append(
        f"🧾 <b>采购</b> 确认 {p.confirmed} 单、{p.lines} 项，合计 {fmt_money(p.amount)} 元"
        + (f"；驳回 {p.rejected} 单" if p.rejected else "")
    )
    if p.top_items:
        lines.append(
            "　金额最多："
            + "，".join(
                f"{html.escape(item, quote=False)} {fmt_money(amount)} 元"
                + (f"（{fmt_number(p.weights[item])}斤）" if item in p.weights else "")
                for item, amount in p.top_items
            )
        )
    lines.append("")
    lines.append(
        f"🚶 <b>巡查</b> 共 {pt.rounds} 轮：按时 {pt.on_time}，迟交 {pt.late}，"
        f"漏检 {pt.missed}"
        + (f"，未排班 {pt.unstaffed}" if pt.unstaffed else "")
        + f"；发现异常 {pt.abnormal_items} 项"
    )
    lines.append(f"🍚 <b>食谱</b> 公布 {s.menu_weeks} 周")
    return "\n".join(lines)
