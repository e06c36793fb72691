"""Write .xlsx workbooks that the finance office can open and sum straight away.

Money arrives as Decimal and is written as a number (not text) with a two-decimal format,
so Excel's SUM works. Dates stay real dates. Excel knows no time zones: aware datetimes are
converted to the school's local time and written naive.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet


class Formula(str):
    """A cell formula such as ``=SUM(G2:G40)``. Plain strings starting with "=" are user
    text and are written as text; only this type is written as a formula."""

    __slots__ = ()


def column_sum(column: int, rows: int, function: str = "SUM") -> Formula:
    """``=SUM(G2:G41)`` over the data rows under a one-row header (column 0-based)."""
    letter = get_column_letter(column + 1)
    if rows == 0:
        return Formula("=0")
    return Formula(f"={function}({letter}2:{letter}{rows + 1})")


CellValue = str | int | float | Decimal | date | datetime | None

MONEY_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
MIN_COLUMN_WIDTH = 6
MAX_COLUMN_WIDTH = 60
HEADER_FILL = PatternFill("solid", fgColor="E2EAF4")
RED = "FFFF0000"
WRAP = Alignment(wrap_text=True, vertical="top")
_SHEET_TITLE_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass
class Sheet:
    """One worksheet. ``number_formats`` maps a column index (0-based) to an Excel number
    format such as "0.00" or "0.000"; without one, Decimals get "0.00"."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[CellValue]]
    totals: Sequence[CellValue] | None = None
    number_formats: Mapping[int, str] = field(default_factory=dict)
    # Rows (0-based indexes into ``rows``) written in red: gaps an inspector must see.
    red_rows: Sequence[int] = ()


def display_width(text: str) -> int:
    """Width in Excel character units: hanzi and full-width forms count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _sheet_title(title: str, used: set[str]) -> str:
    base = (title.translate(_SHEET_TITLE_FORBIDDEN).strip("' ") or "Sheet")[:31]
    name, n = base, 2
    while name.lower() in used:
        suffix = f"({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def _clean(text: str) -> str:
    """openpyxl refuses control characters (a pasted text can hold them)."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", text))


def _excel_value(
    value: CellValue, tz: tzinfo
) -> str | int | float | Decimal | date | datetime | None:
    if isinstance(value, bool):  # bool is an int; write it as text the office reads
        return "是" if value else "否"
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(tz).replace(tzinfo=None)
    if isinstance(value, str):
        return _clean(value)
    return value


def _text_of(value: CellValue, number_format: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        return "0000000000"  # the shown result, not the formula text
    if isinstance(value, datetime):
        return "2000-01-01 00:00"
    if isinstance(value, date):
        return "2000-01-01"
    if isinstance(value, Decimal):
        fmt = number_format or MONEY_FORMAT
        decimals = len(fmt.partition(".")[2].rstrip("_);%")) if "." in fmt else 0
        return f"{value:,.{decimals}f}"
    return str(value)


def _write_row(
    ws: Worksheet, row_number: int, values: Sequence[CellValue], sheet: Sheet, tz: tzinfo
) -> None:
    for c, value in enumerate(values):
        cell = ws.cell(row=row_number, column=c + 1)
        cell.value = _excel_value(value, tz)
        if isinstance(value, Formula):
            cell.value = str(value)
            cell.data_type = "f"
        elif isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # user text, never a formula
        if isinstance(value, str) and "\n" in value:
            cell.alignment = WRAP  # a menu cell with several dishes shows every line
        fmt = sheet.number_formats.get(c)
        if isinstance(value, datetime):
            cell.number_format = fmt or DATETIME_FORMAT
        elif isinstance(value, date):
            cell.number_format = fmt or DATE_FORMAT
        elif isinstance(value, Decimal):
            cell.number_format = fmt or MONEY_FORMAT
        elif isinstance(value, int | float | Formula) and fmt:
            cell.number_format = fmt


def _print_setup(ws: Worksheet) -> None:
    """Printed on A4 landscape, one page wide, the header row repeated on every page: the
    office prints these for signatures and files."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def write_xlsx(sheets: list[Sheet], *, tz: tzinfo = DEFAULT_TZ) -> bytes:
    """The workbook as bytes: bold shaded header, frozen header row, autofilter, bold
    totals row, column widths fitted to the content (capped), print set-up."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    wb = Workbook()
    default = wb.active
    wb.remove(default)
    used: set[str] = set()
    bold = Font(bold=True)
    for sheet in sheets:
        width = len(sheet.header)
        for row in [*sheet.rows, *([sheet.totals] if sheet.totals else [])]:
            if len(row) > width:
                raise ValueError(f"sheet {sheet.title!r}: a row has more cells than the header")
        ws = wb.create_sheet(_sheet_title(sheet.title, used))
        for c, name in enumerate(sheet.header):
            cell = ws.cell(row=1, column=c + 1, value=_clean(name))
            cell.font = bold
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(vertical="center")
        red_rows = set(sheet.red_rows)
        red = Font(color=RED)
        for r, row in enumerate(sheet.rows, start=2):
            _write_row(ws, r, row, sheet, tz)
            if r - 2 in red_rows:
                for c in range(width):
                    ws.cell(row=r, column=c + 1).font = red
        last = len(sheet.rows) + 1
        if sheet.totals is not None:
            last += 1
            _write_row(ws, last, sheet.totals, sheet, tz)
            for c in range(width):
                ws.cell(row=last, column=c + 1).font = bold
        ws.freeze_panes = "A2"
        _print_setup(ws)
        if width:
            ws.auto_filter.ref = f"A1:{get_column_letter(width)}{len(sheet.rows) + 1}"
        for c in range(width):
            fmt = sheet.number_formats.get(c)
            # Distinct values only: a year's sheet repeats the same places and names
            # thousands of times, and measuring each once keeps the export fast.
            values = {sheet.header[c], *(row[c] for row in sheet.rows if c < len(row))}
            if sheet.totals is not None and c < len(sheet.totals):
                values.add(sheet.totals[c])
            longest = max(
                (max((display_width(line) for line in _text_of(v, fmt).split("\n")), default=0))
                for v in values
            )
            ws.column_dimensions[get_column_letter(c + 1)].width = min(
                MAX_COLUMN_WIDTH, max(MIN_COLUMN_WIDTH, longest + 2)
            )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
