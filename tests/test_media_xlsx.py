"""Excel exports: real numbers and dates, bold frozen header, sensible widths."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from bot.exports.xlsx import Sheet, display_width, write_xlsx


def _load(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data))


def _purchases() -> Sheet:
    return Sheet(
        title="11月采购",
        header=["日期", "品名", "数量", "单位", "单价", "金额", "供应商"],
        rows=[
            [
                date(2026, 11, 3),
                "大米",
                Decimal("10"),
                "袋",
                Decimal("150"),
                Decimal("1500"),
                "粮油店",
            ],
            [
                date(2026, 11, 3),
                "五花肉",
                Decimal("25.5"),
                "斤",
                Decimal("16.8"),
                Decimal("428.40"),
                None,
            ],
        ],
        totals=[None, "合计", None, None, None, Decimal("1928.40"), None],
        number_formats={2: "0.0"},
    )


def test_money_is_written_as_numbers_with_two_decimals() -> None:
    ws = _load(write_xlsx([_purchases()]))["11月采购"]
    amount = ws["F3"]
    assert amount.data_type == "n"
    assert amount.value == pytest.approx(428.4)
    assert amount.number_format == "0.00"
    assert ws["E2"].number_format == "0.00"
    assert ws["C3"].value == pytest.approx(25.5)
    assert ws["C3"].number_format == "0.0"  # explicit column format wins
    assert ws["F4"].value == pytest.approx(1928.4)


def test_decimal_is_stored_exactly_not_through_binary_float() -> None:
    sheet = Sheet("t", ["金额"], [[Decimal("0.1")], [Decimal("12345678.99")]])
    data = write_xlsx([sheet])

    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<v>0.1</v>" in xml
    assert "<v>12345678.99</v>" in xml


def test_header_is_bold_frozen_and_filtered() -> None:
    ws = _load(write_xlsx([_purchases()]))["11月采购"]
    assert [c.value for c in ws[1]] == ["日期", "品名", "数量", "单位", "单价", "金额", "供应商"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G3"
    assert ws["B4"].value == "合计"
    assert ws["B4"].font.bold
    assert not ws["B2"].font.bold


def test_dates_and_aware_datetimes_become_local_naive() -> None:
    reported = datetime(2026, 11, 22, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
    sheet = Sheet("报修", ["报修时间", "日期"], [[reported, date(2026, 11, 22)]])
    ws = _load(write_xlsx([sheet])).active
    assert ws["A2"].value == datetime(2026, 11, 22, 9, 30)
    assert ws["A2"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["B2"].value == datetime(2026, 11, 22)  # openpyxl reads dates as midnight
    assert ws["B2"].is_date


def test_column_widths_count_hanzi_double() -> None:
    sheet = Sheet(
        "宽度",
        ["名称", "代码"],
        [["城南农贸市场鲜肉铺", "ABCDEFGHI"]],
    )
    ws = _load(write_xlsx([sheet])).active
    assert display_width("城南农贸市场鲜肉铺") == 18
    assert ws.column_dimensions["A"].width == 20
    assert ws.column_dimensions["B"].width == 11
    long = Sheet("长", ["备注"], [["很长" * 200]])
    assert _load(write_xlsx([long])).active.column_dimensions["A"].width == 60


def test_several_sheets_and_awkward_titles() -> None:
    a = Sheet("采购/明细[11月]", ["a"], [[1]])
    b = Sheet("采购/明细[11月]", ["b"], [[2]])
    c = Sheet("一个特别特别特别特别特别特别特别特别特别长的工作表名称啊啊啊", ["c"], [])
    wb = _load(write_xlsx([a, b, c]))
    names = wb.sheetnames
    assert len(names) == 3 and len(set(names)) == 3
    assert all(len(n) <= 31 and "/" not in n and "[" not in n for n in names)
    assert wb[names[1]]["A2"].value == 2


def test_user_text_is_never_a_formula_and_control_chars_are_dropped() -> None:
    sheet = Sheet("t", ["备注"], [['=HYPERLINK("http://x","点我")'], ["坏\x00字\x07符"]])
    ws = _load(write_xlsx([sheet])).active
    assert ws["A2"].data_type == "s"
    assert ws["A2"].value == '=HYPERLINK("http://x","点我")'
    assert ws["A3"].value == "坏字符"


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        write_xlsx([])
    with pytest.raises(ValueError):
        write_xlsx([Sheet("t", ["a"], [[1, 2]])])


def test_multi_line_cells_wrap_and_width_follows_the_longest_line() -> None:
    sheet = Sheet("菜单", ["周一"], [["红烧肉\n清炒时蔬\n紫菜蛋花汤"]])
    ws = _load(write_xlsx([sheet])).active
    assert ws["A2"].alignment.wrap_text
    assert ws["A2"].value == "红烧肉\n清炒时蔬\n紫菜蛋花汤"
    assert ws.column_dimensions["A"].width == 12  # 紫菜蛋花汤 = 10, plus 2
