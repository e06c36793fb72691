"""Report texts: the short /report message, the drafted 年度后勤工作总结, the weekly digest.

Every figure is read from one ``Report``; where the records have nothing for a section the
text says so (「本期无…记录」) instead of inventing a sentence.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bot.domain.periods import Period
from bot.domain.purchases import fmt_number
from bot.domain.repairs import RepairState
from bot.domain.reports import PartUsed, PriceTrend, PurchaseStats, RepairStats, Report
from bot.domain.stock import quantity_text

NO_RECORDS = "本期无记录"
STEADY_PERCENT = 5.0  # a price change within ±5% reads as 基本平稳
APPENDIX_REPEATS = 20  # the worst repeat faults in the appendix; the full list is in /export
UNSTAFFED = "未排班"  # a patrol round sent to nobody: not a round anyone missed

# Each repair state on its own, in the order a report moves (维修中 never includes 待受理).
REPORT_STATES = (
    (RepairState.NEW, "待受理"),
    (RepairState.ACCEPTED, "已受理"),
    (RepairState.IN_PROGRESS, "维修中"),
    (RepairState.ON_HOLD, "搁置"),
    (RepairState.DONE, "待验收"),
    (RepairState.VERIFIED, "已验收"),
    (RepairState.REJECTED, "驳回"),
)
OPEN_STATES = REPORT_STATES[:4]
# Shown even at 0, so a period without a backlog says so.
ALWAYS_SHOWN = frozenset({RepairState.NEW, RepairState.IN_PROGRESS, RepairState.DONE,
                          RepairState.VERIFIED})  # fmt: skip


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def count(n: int) -> str:
    """1046 -> "1,046", as the office writes large counts."""
    return f"{n:,}"


def money(value: Decimal) -> str:
    return f"¥{value:,.2f}"


def hours(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 48:
        return f"{value:.1f} 小时"
    return f"{value / 24:.1f} 天"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def parts_text(parts: list[PartUsed], *, spaced: bool = False) -> str:
    """「灯管 84根、水龙头 18个」 (spaced, for the 总结: 「灯管 84 根」)."""
    if spaced:
        return "、".join(f"{p.item} {p.quantity.normalize():f} {p.unit}" for p in parts)
    return "、".join(f"{p.item} {quantity_text(p.quantity, p.unit)}" for p in parts)


def repair_states(rp: RepairStats, *, unit: str = "") -> str:
    """「待受理 1，已受理 1，维修中 1，搁置 1，待验收 0，已验收 0」"""
    return "，".join(
        f"{label} {count(rp.state(s))}{unit}"
        for s, label in REPORT_STATES
        if rp.state(s) or s in ALWAYS_SHOWN
    )


def open_states(rp: RepairStats, unit: str = "") -> str:
    """The unfinished ones that there are: 「待受理 1 单，维修中 2 单」."""
    return "，".join(
        f"{label} {count(rp.state(s))}{unit}" for s, label in OPEN_STATES if rp.state(s)
    )


def top_item(p: PurchaseStats, item: str, amount: Decimal) -> str:
    """「猪肉 ¥410.00（30斤）」: what was bought by weight also says how much."""
    weight = p.weights.get(item)
    return f"{esc(item)} {money(amount)}" + (f"（{fmt_number(weight)}斤）" if weight else "")


def _joined(pairs: list[tuple[str, str]], limit: int | None = None) -> str:
    shown = pairs[:limit] if limit else pairs
    return "、".join(f"{k} {v}" for k, v in shown)


# ---------------------------------------------------------------- the /report message


def summary(r: Report) -> str:
    """The short message that goes with the chart picture."""
    rp, p, pt, m = r.repairs, r.purchases, r.patrols, r.menus
    lines = [f"📊 <b>后勤工作统计 · {esc(r.period.label)}</b>", ""]
    lines.append(f"🛠 <b>报修</b> 共 {count(rp.total)} 单：{repair_states(rp)}")
    if rp.by_category:
        lines.append("　按类别：" + "，".join(f"{esc(c)} {n}" for c, n in rp.by_category.items()))
    if rp.accepted:
        lines.append(
            f"　受理用时中位 {hours(rp.accept_median)}，90% 在 {hours(rp.accept_p90)}内；"
            f"按时受理 {pct(rp.accept_rate)}"
        )
    if rp.finished:
        lines.append(
            f"　修好用时中位 {hours(rp.fix_median)}，90% 在 {hours(rp.fix_p90)}内；"
            f"按时修好 {pct(rp.finish_rate)}"
        )
    if rp.top_places:
        lines.append(
            "　报修最多："
            + "，".join(f"{esc(pl.location)} {pl.count} 次" for pl in rp.top_places[:3])
        )
    if rp.repeat_faults:
        lines.append(f"　重复故障 {len(rp.repeat_faults)} 处（同一位置同类报修 2 次以上）")
    if rp.parts_used:  # issue 16: counted from the storeroom's movement rows
        lines.append(f"　更换用料：{esc(parts_text(rp.parts_used))}")
    lines.append("")
    lines.append(
        f"🧾 <b>采购</b> 确认 {count(p.confirmed)} 单、{count(p.lines)} 项，合计 {money(p.amount)}"
        + (f"；驳回 {len(p.rejected)} 单" if p.rejected else "")
    )
    if p.by_category:
        lines.append(
            "　按类别：" + "，".join(f"{esc(c)} {money(v)}" for c, v in p.by_category.items())
        )
    if p.top_items:
        lines.append(
            "　金额最多：" + "，".join(top_item(p, item, v) for item, v in p.top_items[:3])
        )
    lines.append("")
    lines.append(
        f"🚶 <b>巡查</b> 共 {count(pt.rounds)} 轮：按时 {count(pt.on_time)}，"
        f"迟交 {count(pt.late)}，漏检 {count(pt.missed)}"
        + (f"，{UNSTAFFED} {count(pt.unstaffed)}" if pt.unstaffed else "")
        + "；"
        f"发现异常 {count(pt.abnormal)} 项，转报修 {pt.repairs} 单，已修好 {pt.repairs_done} 单"
    )
    lines.append(f"🍚 <b>食谱</b> 公布 {m.published}/{m.weeks} 周，按时 {m.on_time} 周")
    if r.period.is_long:
        lines.append("")
        lines.append("📎 附《后勤工作总结》初稿（可编辑），数字均来自记录。")
    return "\n".join(lines)


def chart_caption(period: Period) -> str:
    return f"📊 {esc(period.label)} 图表"


def document_name(period: Period) -> str:
    kind = "学期" if period.kind == "term" else "年度"
    return f"{kind}后勤工作总结_{period.first:%Y%m%d}-{period.last:%Y%m%d}.docx"


# ---------------------------------------------------------------- the drafted 总结


@dataclass(frozen=True)
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: list[str]


@dataclass(frozen=True)
class Draft:
    title: str
    subtitle: str
    intro: str
    sections: list[Section]
    closing: str
    tables: list[Table] = field(default_factory=list)


def _span_word(period: Period) -> str:
    if period.kind == "year":
        return "全年"
    if period.kind == "term":
        return "本学期"
    return "本期"


def _trend_words(trend: PriceTrend) -> str | None:
    change = trend.change
    if change is None or abs(change) < STEADY_PERCENT:
        return None
    way = "上涨" if change > 0 else "下降"
    return (
        f"{trend.item}由 {trend.first} 元/{trend.unit} 变为 {trend.last} 元/{trend.unit}"
        f"（{way} {abs(change):.1f}%）"
    )


def _share(part: Decimal, whole: Decimal) -> str:
    value = part / whole * 100
    return "不到 1%" if value < Decimal("0.5") else f"{value:.0f}%"


def _repairs_section(r: Report, span: str) -> Section:
    rp = r.repairs
    if rp.total == 0:
        return Section("一、维修服务", [f"{NO_RECORDS}：{span}没有报修记录。"])
    cats = _joined([(c, f"{count(n)} 次") for c, n in rp.by_category.items()])
    text = [
        f"{span}共收到报修 {count(rp.total)} 次"
        + (f"，其中{cats}" if cats else "")
        + f"。已修好并验收 {count(rp.state_verified)} 次，修好待验收 {count(rp.state_done)} 次，"
        f"尚在处理 {count(rp.open)} 次"
        + (f"（{open_states(rp, ' 次')}）" if rp.open else "")
        + (f"，不属维修范围等驳回 {count(rp.state_rejected)} 次" if rp.state_rejected else "")
        + "。"
    ]
    timing = []
    if rp.accepted:
        timing.append(
            f"受理用时中位数 {hours(rp.accept_median)}，90% 的报修在 {hours(rp.accept_p90)}内"
            f"受理，按时受理率 {pct(rp.accept_rate)}"
        )
    if rp.finished:
        timing.append(
            f"受理后修好用时中位数 {hours(rp.fix_median)}，90% 在 {hours(rp.fix_p90)}内修好，"
            f"按时修好率 {pct(rp.finish_rate)}"
        )
    if timing:
        text.append("；".join(timing) + "。")
    if rp.by_building:
        buildings = _joined([(b, f"{count(n)} 次") for b, n in rp.by_building.items()], 6)
        places = "、".join(f"{pl.location}（{pl.count} 次）" for pl in rp.top_places)
        text.append(f"按楼栋看，{buildings}；报修最多的地方是{places}。")
    if rp.repeat_faults:
        repeats = "、".join(
            f"{pl.location}{pl.category} {pl.count} 次" for pl in rp.repeat_faults[:5]
        )
        text.append(
            f"同一位置同类故障重复报修的有 {len(rp.repeat_faults)} 处（{repeats}），"
            "需从根本上排查整改。"
        )
    else:
        text.append("本期没有同一位置同类故障重复报修的情况。")
    if rp.parts_used:  # 「全年更换灯管 84 根、水龙头 18 个」, as the seeds count them
        text.append(f"{span}维修中更换{parts_text(rp.parts_used, spaced=True)}。")
    extra = []
    if rp.from_patrols:
        extra.append(f"由巡查发现后转报修 {count(rp.from_patrols)} 次")
    if rp.reopened:
        extra.append(f"报修人验收不合格返修 {count(rp.reopened)} 次")
    if extra:
        text.append("其中" + "，".join(extra) + "。")
    return Section("一、维修服务", text)


def _canteen_section(r: Report, span: str) -> Section:
    p, m = r.purchases, r.menus
    text: list[str] = []
    if p.confirmed == 0:
        text.append(f"{NO_RECORDS}：{span}没有经确认的采购记录。")
    else:
        posted = (
            "并公示"
            if p.posted == p.confirmed
            else (f"，其中 {count(p.posted)} 笔已公示" if p.posted else "")
        )
        text.append(
            f"食堂采购 {count(p.confirmed)} 笔、{count(p.lines)} 项，合计 {money(p.amount)}，"
            f"全部经监督员逐项清点确认{posted}。"
        )
        share = [(c, f"{money(v)}（{v / p.amount * 100:.0f}%）") for c, v in p.by_category.items()]
        text.append(f"按类别，{_joined(share)}。")
        text.append(
            "主要供应商："
            + _joined([(s, money(v)) for s, v in p.by_supplier.items()], 5)
            + "；采购金额最多的是"
            + "、".join(top_item(p, i, v) for i, v in p.top_items)
            + "。"
        )
        moves = [w for t in p.price_trends if (w := _trend_words(t))]
        compared = [t for t in p.price_trends if t.change is not None]
        if moves:
            text.append(f"常购的 {len(p.price_trends)} 种食材中，" + "，".join(moves) + "。")
        elif compared:
            text.append(f"常购的 {len(compared)} 种食材价格基本平稳（变化在 5% 以内）。")
    if p.rejected:
        reasons = "、".join(dict.fromkeys(r.reason for r in p.rejected if r.reason))
        text.append(
            f"监督员驳回采购 {len(p.rejected)} 笔"
            + (f"（原因：{reasons}）" if reasons else "")
            + "，均未入账。"
        )
    elif p.confirmed:
        text.append("本期没有被驳回的采购。")
    if m.published == 0:
        text.append(f"食谱：{NO_RECORDS}（{span}没有公布每周食谱）。")
    else:
        text.append(
            f"每周食谱公布 {m.published} 周（本期共 {m.weeks} 周），"
            f"其中 {m.on_time} 周在周日推送前按时公布，接受师生和家长监督。"
        )
    return Section("二、食堂管理", text)


def _patrol_section(r: Report, span: str) -> Section:
    pt = r.patrols
    if pt.rounds == 0:
        return Section("三、安全巡查", [f"{NO_RECORDS}：{span}没有巡查记录。"])
    text = [
        f"开展走走看看巡查 {count(pt.rounds)} 次，按时完成 {count(pt.on_time)} 次，"
        f"迟交 {count(pt.late)} 次，漏检 {count(pt.missed)} 次"
        + (f"，无人值班（{UNSTAFFED}）{count(pt.unstaffed)} 次" if pt.unstaffed else "")
        + (f"，尚在进行 {pt.open} 次" if pt.open else "")
        + f"，按时率 {pct(pt.on_time_rate)}。"
    ]
    if pt.abnormal:
        text.append(
            f"巡查发现隐患 {count(pt.abnormal)} 处，转报修 {count(pt.repairs)} 处，"
            f"已整改 {count(pt.repairs_done)} 处。"
        )
        if pt.repairs_done < pt.abnormal:
            text.append(f"尚有 {pt.abnormal - pt.repairs_done} 处未整改完毕，需继续跟进。")
    else:
        text.append("巡查中没有发现异常。")
    return Section("三、安全巡查", text)


def _shortcomings(r: Report) -> Section:
    rp, pt, m = r.repairs, r.patrols, r.menus
    items = []
    if rp.accept_rate is not None and rp.accept_rate < 90:
        items.append(f"按时受理率 {pct(rp.accept_rate)}，受理还不够及时")
    if rp.finish_rate is not None and rp.finish_rate < 90:
        items.append(f"按时修好率 {pct(rp.finish_rate)}，部分维修拖得较久")
    if rp.repeat_faults:
        items.append(f"{len(rp.repeat_faults)} 处故障反复出现")
    if pt.missed:
        items.append(f"巡查漏检 {pt.missed} 次")
    if pt.unstaffed:
        items.append(f"{pt.unstaffed} 轮巡查无人值班（{UNSTAFFED}），需安排巡查人员")
    if pt.abnormal > pt.repairs_done:
        items.append(f"巡查发现的隐患尚有 {pt.abnormal - pt.repairs_done} 处未整改")
    if m.late:
        items.append(f"有 {m.late} 周食谱未按时公布")
    if not items:
        text = "从记录看，各项工作均按时完成。今后将继续保持，不断提高服务质量。"
    else:
        text = (
            "从记录看，工作中仍有不足："
            + "；".join(items)
            + "。下一步将针对这些问题加强管理，落实责任，及时整改。"
        )
    return Section("四、存在的不足和下一步打算", [text])


def _tables(r: Report) -> list[Table]:
    rp, p, pt = r.repairs, r.purchases, r.patrols

    def rows_or_none(rows: list[list[str]], width: int) -> list[list[str]]:
        return rows or [[NO_RECORDS] + [""] * (width - 1)]

    return [
        Table("附表1 报修按类别", ["类别", "次数"],
              rows_or_none([[c, count(n)] for c, n in rp.by_category.items()], 2)),
        Table("附表2 报修按楼栋", ["楼栋", "次数"],
              rows_or_none([[b, count(n)] for b, n in rp.by_building.items()], 2)),
        Table("附表3 报修最多的地点与重复故障", ["地点", "类别", "次数"],
              rows_or_none([[pl.location, "（全部）", str(pl.count)] for pl in rp.top_places]
                           + [[pl.location, pl.category or "", str(pl.count)]
                              for pl in rp.repeat_faults[:APPENDIX_REPEATS]], 3)),
        Table("附表4 采购按类别", ["类别", "金额（元）"],
              rows_or_none([[c, f"{v:,.2f}"] for c, v in p.by_category.items()], 2)),
        Table("附表5 采购按供应商", ["供应商", "金额（元）"],
              rows_or_none([[s, f"{v:,.2f}"] for s, v in p.by_supplier.items()], 2)),
        Table("附表6 常购食材单价变化", ["食材", "单位", "次数", "期初单价", "期末单价", "变化"],
              rows_or_none([[t.item, t.unit, str(t.times), str(t.first), str(t.last),
                             "—" if t.change is None else f"{t.change:+.1f}%"]
                            for t in p.price_trends], 6)),
        Table("附表7 安全巡查", ["项目", "次数"], [
            ["巡查", count(pt.rounds)], ["按时", count(pt.on_time)], ["迟交", count(pt.late)],
            ["漏检", count(pt.missed)], [UNSTAFFED, count(pt.unstaffed)],
            ["发现隐患", count(pt.abnormal)],
            ["转报修", count(pt.repairs)], ["已整改", count(pt.repairs_done)],
        ]),
    ]  # fmt: skip


def draft(r: Report, today: date) -> Draft:
    """The drafted 年度（学期）后勤工作总结, in the seeds' shape and with the real numbers."""
    span = _span_word(r.period)
    kind = "学期" if r.period.kind == "term" else "年度"
    return Draft(
        title=f"{kind}后勤工作总结",
        subtitle=f"（{r.period.label}，据后勤助手记录整理，{today:%Y年%m月%d日}生成）",
        intro=(
            f"{span}，总务后勤坚持“后勤工作必须服务于教学工作中心”的原则，围绕报修维修、"
            "食堂采购、安全巡查和食谱公示等工作，尽心尽力做好后勤服务保障。"
            "现将主要工作总结如下："
        ),
        sections=[
            _repairs_section(r, span),
            _canteen_section(r, span),
            _patrol_section(r, span),
            _shortcomings(r),
        ],
        closing=(
            "今后，我们将继续坚持“后勤为教学服务、为师生服务”的宗旨，"
            "把简单的事情做好，为学校各项工作提供更有力的保障。"
        ),
        tables=_tables(r),
    )


# ---------------------------------------------------------------- /export

SHEET_REPAIRS, SHEET_PURCHASES, SHEET_PATROLS, SHEET_SUMMARY = "报修", "采购", "巡查", "汇总"
SUMMARY_ITEM = "项目"
TOTAL = "合计"
REPAIR_HEADERS = ["编号", "报修时间", "位置", "楼栋", "类别", "紧急程度", "状态", "报修人",
                  "维修人", "受理时间", "完成时间", "受理用时(小时)", "修好用时(小时)",
                  "巡查发现", "问题描述"]  # fmt: skip
PURCHASE_HEADERS = ["日期", "单号", "品名", "类别", "数量", "单位", "单价(元)", "金额(元)",
                    "供应商", "采购员", "确认人", "确认时间"]  # fmt: skip
PATROL_HEADERS = ["日期", "班次", "时间", "结果", "提交人", "提交时间", "异常项", "转报修",
                  "已整改"]  # fmt: skip
EXPORT_KIND_NAMES = {"repairs": "报修记录", "purchases": "采购台账", "patrols": "巡查记录",
                     "all": "后勤记录"}  # fmt: skip


Number = int | float | Decimal | None
Block = tuple[str, list[tuple[str, Number]], bool]  # title, (label, value) rows, add a 合计
YES = "是"


def week_label(monday: date, sunday: date) -> str:
    return f"{monday:%m月%d日}—{sunday:%m月%d日}"


def state_label(value: str) -> str:
    try:
        return RepairState(value).label
    except ValueError:
        return value


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def summary_blocks(rep: Report) -> list[Block]:
    """The 汇总 sheet: each block a title and its rows; True: closed by an =SUM line."""
    blocks: list[Block] = []
    rp, p, pt, m = rep.repairs, rep.purchases, rep.patrols, rep.menus
    blocks.append(("报修按类别（次）", list(rp.by_category.items()), True))
    blocks.append(("报修按楼栋（次）", list(rp.by_building.items()), True))
    blocks.append(("报修按状态（次）", [(state_label(s), n) for s, n in rp.by_state.items()], True))
    blocks.append(
        (
            "报修用时（小时）",
            [
                ("受理用时中位数", _round(rp.accept_median)),
                ("受理用时90%分位", _round(rp.accept_p90)),
                ("按时受理率(%)", _round(rp.accept_rate)),
                ("修好用时中位数", _round(rp.fix_median)),
                ("修好用时90%分位", _round(rp.fix_p90)),
                ("按时修好率(%)", _round(rp.finish_rate)),
            ],
            False,
        )
    )
    if rp.parts_used:  # units differ: no 合计
        blocks.append(
            ("维修用料", [(f"{u.item}（{u.unit}）", u.quantity) for u in rp.parts_used], False)
        )
    blocks.append(("采购按类别（元）", list(p.by_category.items()), True))
    blocks.append(("采购按供应商（元）", list(p.by_supplier.items()), True))
    blocks.append(
        (
            "采购",
            [("确认（单）", p.confirmed), ("明细（项）", p.lines), ("驳回（单）", len(p.rejected))],
            False,
        )
    )
    blocks.append(
        (
            "巡查（轮）",
            [
                ("按时", pt.on_time),
                ("迟交", pt.late),
                ("漏检", pt.missed),
                (UNSTAFFED, pt.unstaffed),
                ("进行中", pt.open),
            ],
            True,
        )
    )
    blocks.append(
        (
            "巡查隐患（处）",
            [("发现", pt.abnormal), ("转报修", pt.repairs), ("已整改", pt.repairs_done)],
            False,
        )
    )
    blocks.append(
        ("报修最多的地点（次）", [(pl.location, pl.count) for pl in rp.top_places], False)
    )
    blocks.append(
        (
            "重复故障（次）",
            [
                (f"{pl.location} {pl.category}", pl.count)
                for pl in rp.repeat_faults[:APPENDIX_REPEATS]
            ],
            False,
        )
    )
    blocks.append(
        (
            "常购食材期末单价（元）",
            [(f"{tr.item}（元/{tr.unit}）", tr.last) for tr in p.price_trends],
            False,
        )
    )
    blocks.append(
        (
            "食谱（周）",
            [("本期周数", m.weeks), ("已公布", m.published), ("按时公布", m.on_time)],
            False,
        )
    )
    return blocks


def export_name(kind: str, period: Period) -> str:
    return f"{EXPORT_KIND_NAMES[kind]}_{period.first:%Y%m%d}-{period.last:%Y%m%d}.xlsx"


def export_caption(kind: str, period: Period, rows: int) -> str:
    return f"📎 {EXPORT_KIND_NAMES[kind]} · {esc(period.label)}，共 {count(rows)} 条。"


def export_empty(kind: str, period: Period) -> str:
    return f"{esc(period.label)}没有{EXPORT_KIND_NAMES[kind]}，没有生成表格。"


# ---------------------------------------------------------------- the weekly digest


@dataclass(frozen=True)
class OverdueItem:
    what: str  # 报修单 #12 教学楼302教室
    late: str  # 超时 2.0 天


def digest(r: Report, overdue: list[OverdueItem], waiting_purchases: int) -> str:
    """Last week in five lines, then anything overdue."""
    rp, p, pt, m = r.repairs, r.purchases, r.patrols, r.menus
    lines = [
        f"🗓 <b>上周后勤简报 · {esc(r.period.label)}</b>",
        f"1. 报修 {rp.total} 单，已修好 {rp.state_done + rp.state_verified} 单"
        + (f"，{open_states(rp, ' 单')}" if rp.open else "")
        + f"；按时受理 {pct(rp.accept_rate)}",
        f"2. 采购 {p.confirmed} 单，合计 {money(p.amount)}"
        + (f"，驳回 {len(p.rejected)} 单" if p.rejected else ""),
        f"3. 巡查 {pt.rounds} 轮：按时 {pt.on_time}，迟交 {pt.late}，漏检 {pt.missed}"
        + (f"，{UNSTAFFED} {pt.unstaffed}" if pt.unstaffed else ""),
        f"4. 发现隐患 {pt.abnormal} 处，已整改 {pt.repairs_done} 处",
        f"5. 食谱{'已按时公布' if m.on_time else ('已公布' if m.published else '未公布')}",
    ]
    if overdue or waiting_purchases:
        lines.append("")
        lines.append("⏰ <b>超时未办</b>")
        for item in overdue[:5]:
            lines.append(f"• {esc(item.what)}（{item.late}）")
        if len(overdue) > 5:
            lines.append(f"• 另有 {len(overdue) - 5} 单超时报修")
        if waiting_purchases:
            lines.append(f"• {waiting_purchases} 笔采购提交超过一天仍未确认")
    else:
        lines.append("")
        lines.append("✅ 没有超时未办的事项。")
    return "\n".join(lines)


def overdue_item(number: int, location: str, late_hours: float) -> OverdueItem:
    return OverdueItem(f"报修单 #{number} {location}".strip(), f"超时 {hours(late_hours)}")
