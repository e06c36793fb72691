"""Table pictures: readable, bounded in size, and long text wraps inside its column."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.render.fonts import cjk_font
from bot.render.table import (
    BODY_SIZE,
    MARGIN,
    MAX_WIDTH,
    render_table,
    render_table_async,
    render_table_pages,
    wrap_text,
)

HEADER = ["品名", "数量", "单位", "单价", "金额", "供应商"]
ALIGN = ["left", "right", "center", "right", "right", "left"]
ROWS = [
    ["大米", "10", "袋", "¥150.00", "¥1,500.00", "城南粮油店"],
    ["五花肉", "25.5", "斤", "¥16.80", "¥428.40", "鲜肉铺"],
    ["鸡蛋", "300", "个", "¥0.75", "¥225.00", ""],
]


def _png(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG"
    img.load()
    return img.convert("RGB")


def _non_white(img: Image.Image, box: tuple[int, int, int, int] | None = None) -> int:
    region = img.crop(box) if box else img
    grey = region.convert("L")
    return sum(grey.histogram()[:200])


def test_purchase_table_is_a_readable_png_within_phone_limits() -> None:
    data = render_table(
        "11月22日 采购公示", HEADER, ROWS, footer="合计：¥2,153.40", col_align=ALIGN
    )
    img = _png(data)
    assert 400 <= img.width <= MAX_WIDTH
    assert 150 <= img.height <= 2000
    assert img.getpixel((2, 2)) == (255, 255, 255)  # white background
    assert _non_white(img) > 2000  # text and grid were drawn
    assert len(img.getcolors(maxcolors=1 << 16) or []) > 20  # anti-aliased text, shading


def test_more_rows_make_a_taller_picture() -> None:
    short = _png(render_table("采购", HEADER, ROWS))
    long = _png(render_table("采购", HEADER, ROWS * 5))
    assert long.height > short.height + 4 * BODY_SIZE * len(ROWS)
    assert long.width == short.width


def test_long_cell_wraps_instead_of_overflowing() -> None:
    supplier = "城南农贸市场二号门东侧第三排鲜肉铺王师傅（长期合作供应商，电话另附）" * 3
    one_line = _png(render_table("采购", HEADER, [[*ROWS[0][:5], "城南粮油店"]]))
    wrapped = _png(render_table("采购", HEADER, [[*ROWS[0][:5], supplier]]))
    assert wrapped.width <= MAX_WIDTH
    assert wrapped.height >= one_line.height + 2 * BODY_SIZE  # at least three lines
    # Nothing is drawn in the right margin: the text stayed inside the table.
    right_margin = (wrapped.width - MARGIN + 4, 0, wrapped.width, wrapped.height)
    assert _non_white(wrapped, right_margin) == 0


def test_wrap_keeps_every_character_and_respects_the_width() -> None:
    font = cjk_font(BODY_SIZE)
    text = "清炒时蔬，紫菜蛋花汤。Fresh vegetables 500g each day"
    lines = wrap_text(text, font, 200)
    assert len(lines) > 1
    assert all(font.getlength(line) <= 200 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert not any(line.startswith(("，", "。")) for line in lines)  # no line starts with ，


def test_very_long_word_is_cut_to_fit() -> None:
    font = cjk_font(BODY_SIZE)
    lines = wrap_text("A" * 80, font, 150)
    assert len(lines) > 1
    assert all(font.getlength(line) <= 150 for line in lines)
    assert "".join(lines) == "A" * 80


def test_menu_with_multi_line_cells() -> None:
    header = ["", "周一", "周二", "周三", "周四", "周五"]
    rows = [
        ["早餐", "豆浆\n包子\n鸡蛋", "牛奶\n花卷", "小米粥\n油条", "豆浆\n烧卖", "牛奶\n馒头"],
        ["午餐", "红烧肉\n清炒时蔬\n紫菜蛋花汤", "宫保鸡丁", "糖醋里脊", "清蒸鱼", "咖喱鸡"],
        ["晚餐", "面条", "饺子", "炒饭", "米线", "馄饨"],
    ]
    img = _png(render_table("第47周菜单", header, rows))
    # Three meal rows, two of them three lines tall.
    assert img.height > 7 * BODY_SIZE + 3 * BODY_SIZE
    assert _non_white(img) > 2000


def test_short_rows_are_padded_and_bad_input_refused() -> None:
    assert _png(render_table("t", ["a", "b", "c"], [["1"], ["1", "2"]])).width > 0
    with pytest.raises(ValueError):
        render_table("t", ["a"], [["1", "2"]])
    with pytest.raises(ValueError):
        render_table("t", ["a", "b"], [], col_align=["left"])
    with pytest.raises(ValueError):
        render_table("t", [], [])


def test_empty_table_still_renders_header() -> None:
    img = _png(render_table("今天没有采购", HEADER, []))
    assert _non_white(img) > 500


def test_very_long_list_stays_within_telegram_photo_limits() -> None:
    rows = [[f"品名{i}", "1", "斤", "¥1.00", "¥1.00", "店"] for i in range(220)]
    img = _png(render_table("采购", HEADER, rows))
    assert img.width + img.height <= 10_000
    assert img.height <= 20 * img.width


async def test_async_variant_renders_the_same_picture() -> None:
    data = await render_table_async("采购", HEADER, ROWS, col_align=ALIGN)
    assert data == render_table("采购", HEADER, ROWS, col_align=ALIGN)


def test_long_list_is_split_into_readable_pages_with_the_same_columns() -> None:
    rows = [[f"品名{i}", "1", "斤", "¥1.00", "¥1.00", "城南粮油店"] for i in range(65)]
    pages = [_png(p) for p in render_table_pages("采购", HEADER, rows, footer="合计：¥65.00")]
    assert len(pages) == 3
    assert len({p.width for p in pages}) == 1  # same column widths on every page
    assert pages[0].height == pages[1].height > pages[2].height
    assert all(p.width + p.height <= 10_000 for p in pages)
    single = render_table_pages("采购", HEADER, ROWS)
    assert single == [render_table("采购", HEADER, ROWS)]
    with pytest.raises(ValueError):
        render_table_pages("采购", HEADER, ROWS, rows_per_page=0)


def test_footer_only_on_the_last_page() -> None:
    rows = [[f"品名{i}", "1", "斤", "¥1", "¥1", ""] for i in range(4)]
    with_footer = [
        _png(p) for p in render_table_pages("采购", HEADER, rows, footer="合计", rows_per_page=2)
    ]
    without = [_png(p) for p in render_table_pages("采购", HEADER, rows, rows_per_page=2)]
    assert with_footer[0].height == without[0].height
    assert with_footer[1].height > without[1].height
