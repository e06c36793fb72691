"""The report's one picture: four charts stacked for a phone screen, in the CJK font.

Drawn with matplotlib's Agg canvas on a private ``Figure`` (no pyplot, no global state), so
it is safe in a worker thread: callers run ``report_png`` through ``asyncio.to_thread``.
A section without records gets a panel that says so, rather than an empty frame.
"""

from __future__ import annotations

import functools
import io
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede any pyplot import elsewhere

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from bot.domain.reports import Report
from bot.render.fonts import BUNDLED_FONT, font_source

WIDTH_IN = 7.5
PANEL_IN = 3.0
DPI = 110
BLUE, GREEN, ORANGE, RED, GREY = "#3b73b9", "#4caf50", "#f5a623", "#d0021b", "#9b9b9b"
NO_RECORDS = "本期无记录"
MAX_BARS = 8  # categories beyond this are summed as 其他, so labels stay readable
# rc_context changes matplotlib's global rcParams for the duration of a drawing; two
# reports drawn at once in worker threads must not restore each other's settings midway.
_DRAWING = threading.Lock()


@dataclass(frozen=True)
class ChartFont:
    path: Path
    family: str


@functools.cache
def chart_font() -> ChartFont:
    """The CJK font registered with matplotlib. A .ttc collection cannot be picked by face
    in matplotlib, so then the bundled Noto Sans SC subset is used."""
    source = font_source()
    path = source.path if source.path.suffix.lower() not in (".ttc", ".otc") else BUNDLED_FONT
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    return ChartFont(path, family)


def _empty(ax: Axes, title: str) -> None:
    ax.set_title(title, loc="left", fontsize=13)
    ax.text(0.5, 0.5, NO_RECORDS, ha="center", va="center", fontsize=14, color=GREY,
            transform=ax.transAxes)  # fmt: skip
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_color("#dddddd")


def _fold(values: dict[str, float]) -> dict[str, float]:
    items = list(values.items())
    if len(items) <= MAX_BARS:
        return dict(items)
    kept = dict(items[: MAX_BARS - 1])
    kept["其他"] = kept.get("其他", 0) + sum(v for _, v in items[MAX_BARS - 1 :])
    return kept


def _barh(ax: Axes, title: str, values: dict[str, float], color: str, money: bool) -> None:
    if not values or not any(values.values()):
        _empty(ax, title)
        return
    shown = _fold(values)
    labels = list(shown)[::-1]
    numbers = [shown[k] for k in labels]
    bars = ax.barh(labels, numbers, color=color)
    texts = [f"¥{n:,.0f}" if money else f"{n:,.0f}" for n in numbers]
    ax.bar_label(bars, labels=texts, padding=3, fontsize=10)
    ax.set_title(title, loc="left", fontsize=13)
    ax.set_xlim(0, max(numbers) * 1.25)
    ax.set_xticks([])  # every bar carries its number; an axis would only repeat it
    ax.spines["bottom"].set_visible(False)
    ax.tick_params(axis="y", labelsize=11)
    ax.spines[["top", "right"]].set_visible(False)


def _week_ticks(ax: Axes, labels: list[str]) -> None:
    step = max(1, len(labels) // 8)
    ax.set_xticks(range(0, len(labels), step))
    ax.set_xticklabels(labels[::step], fontsize=9)


def _spend(ax: Axes, report: Report) -> None:
    title = "每周采购金额（元）"
    w = report.weekly
    if not any(w.spend):
        _empty(ax, title)
        return
    labels = [f"{m:%m-%d}" for m in w.mondays]
    ax.bar(range(len(labels)), [float(v) for v in w.spend], color=BLUE)
    ax.set_title(title, loc="left", fontsize=13)
    _week_ticks(ax, labels)
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.tick_params(axis="y", labelsize=9)
    ax.spines[["top", "right"]].set_visible(False)


def _patrols(ax: Axes, report: Report) -> None:
    title = "每周巡查完成情况（轮）"
    w = report.weekly
    if not any(w.on_time) and not any(w.late) and not any(w.missed):
        _empty(ax, title)
        return
    x = range(len(w.mondays))
    ax.bar(x, w.on_time, color=GREEN, label="按时")
    ax.bar(x, w.late, bottom=w.on_time, color=ORANGE, label="迟交")
    below = [a + b for a, b in zip(w.on_time, w.late, strict=True)]
    ax.bar(x, w.missed, bottom=below, color=RED, label="漏检")
    ax.set_title(title, loc="left", fontsize=13)
    _week_ticks(ax, [f"{m:%m-%d}" for m in w.mondays])
    ax.legend(loc="upper right", fontsize=10, ncols=3, frameon=False)
    ax.set_ylim(0, max(a + b for a, b in zip(below, w.missed, strict=True)) * 1.3)
    ax.spines[["top", "right"]].set_visible(False)


def _money(values: dict[str, Decimal]) -> dict[str, float]:
    return {k: float(v) for k, v in values.items()}


def report_png(report: Report) -> bytes:
    """The picture for ``report``: repairs by category, spend per week, patrol completion
    per week, purchases by category. Every number comes from ``report``."""
    # Artists read rcParams when they are made, so every text (titles, ticks, bar labels,
    # the legend) gets the CJK font; unicode_minus off because the font has no U+2212.
    with _DRAWING:
        font = chart_font()
        with matplotlib.rc_context({"font.family": [font.family], "axes.unicode_minus": False}):
            return _draw(report)


def _draw(report: Report) -> bytes:
    """The four panels, under the caller's rcParams."""
    fig = Figure(figsize=(WIDTH_IN, PANEL_IN * 4 + 0.6), dpi=DPI)
    FigureCanvasAgg(fig)
    # Fixed margins instead of a layout engine: the panels are always the same four,
    # and "constrained" layout costs more than the drawing itself.
    fig.subplots_adjust(left=0.14, right=0.97, top=0.925, bottom=0.03, hspace=0.4)
    fig.suptitle(f"后勤工作统计 · {report.period.label}", fontsize=15, y=0.99)
    axes = fig.subplots(4, 1)
    r, p = report.repairs, report.purchases
    by_category = {k: float(v) for k, v in r.by_category.items()}
    _barh(axes[0], f"报修按类别（共 {r.total:,} 单）", by_category, BLUE, money=False)
    _spend(axes[1], report)
    _patrols(axes[2], report)
    spend_title = f"采购按类别（合计 ¥{p.amount:,.2f}）"
    _barh(axes[3], spend_title, _money(p.by_category), GREEN, money=True)
    out = io.BytesIO()
    fig.savefig(out, format="png", facecolor="white")
    return out.getvalue()
