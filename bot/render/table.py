"""Draw a titled table as a PNG that reads well on a phone.

Used for the daily purchase posting (品名/数量/单位/单价/金额/供应商 with a total line) and
the weekly menu (days x meals, several dishes per cell). A picture rather than a text table
because Telegram has no tables and Chinese text in monospace columns never lines up.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from bot.render.fonts import cjk_font

MAX_WIDTH = 1600  # Telegram shows photos up to 1280-2560 px wide; more only shrinks the text
MIN_WIDTH = 480
MARGIN = 28
PAD_X = 16
PAD_Y = 10
BODY_SIZE = 28
TITLE_SIZE = 36
LINE_GAP = 6
MIN_COLUMN = 3 * BODY_SIZE + 2 * PAD_X  # at least three hanzi per line
# Telegram refuses photos whose width + height exceeds 10000 or whose sides differ > 20x.
MAX_SUM = 10_000
MAX_RATIO = 20

WHITE = (255, 255, 255)
INK = (33, 37, 41)
MUTED = (90, 96, 105)
GRID = (200, 205, 212)
HEADER_BG = (226, 234, 244)
STRIPE_BG = (247, 248, 250)

ALIGNMENTS = ("left", "right", "center")
# Closing punctuation must not start a line (Chinese typesetting rule).
_NO_LINE_START = set("，。、；：！？）》」』】〕”’,.;:!?)]}%…·")
_TOKEN = re.compile(r"[A-Za-z0-9_@#&+\-./:%$¥￥'’]+ *|\s|.", re.DOTALL)


def _tokens(text: str) -> list[str]:
    """Latin words and numbers stay whole; every hanzi can break; closing punctuation
    sticks to what comes before it."""
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        if tokens and token[0] in _NO_LINE_START:
            tokens[-1] += token
        else:
            tokens.append(token)
    return tokens


def _width(font: ImageFont.FreeTypeFont, text: str) -> float:
    return font.getlength(text)


def wrap_text(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``max_width`` (hard breaks kept)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for token in _tokens(paragraph):
            if _width(font, line + token.rstrip()) <= max_width:
                line += token
                continue
            if line.strip():
                lines.append(line.rstrip())
                line = ""
            token = token.lstrip() if not line else token
            # A word wider than the column is cut character by character.
            while _width(font, token.rstrip()) > max_width and len(token) > 1:
                cut = 1
                while cut < len(token) and _width(font, token[: cut + 1]) <= max_width:
                    cut += 1
                lines.append(token[:cut])
                token = token[cut:]
            line = token
        lines.append(line.rstrip())
    return lines


@dataclass
class _Layout:
    widths: list[int]
    header: list[list[str]]
    rows: list[list[list[str]]]


def _natural_width(font: ImageFont.FreeTypeFont, text: str) -> float:
    return max((_width(font, line) for line in text.split("\n")), default=0.0)


def _column_widths(natural: list[float], available: int) -> list[int]:
    """Fit columns into ``available`` px: narrow columns keep their natural width, the
    wide ones share what is left (so a long supplier name wraps, a price never does)."""
    wanted = [max(MIN_COLUMN, int(w) + 2 * PAD_X + 1) for w in natural]
    if sum(wanted) <= available:
        return wanted
    widths = [0] * len(wanted)
    remaining = list(range(len(wanted)))
    space = available
    while remaining:
        share = space / len(remaining)
        fitting = [i for i in remaining if wanted[i] <= share]
        if not fitting:
            for i in remaining:
                widths[i] = max(MIN_COLUMN, int(share))
            break
        for i in fitting:
            widths[i] = wanted[i]
            space -= wanted[i]
        remaining = [i for i in remaining if i not in fitting]
    return widths


def _layout(
    header: Sequence[str], rows: Sequence[Sequence[str]], font: ImageFont.FreeTypeFont
) -> _Layout:
    columns = len(header)
    cells = [list(header), *([*row, *[""] * (columns - len(row))] for row in rows)]
    natural = [max(_natural_width(font, cell[c]) for cell in cells) for c in range(columns)]
    widths = _column_widths(natural, MAX_WIDTH - 2 * MARGIN)
    wrapped = [
        [wrap_text(row[c], font, widths[c] - 2 * PAD_X) for c in range(columns)] for row in cells
    ]
    return _Layout(widths=widths, header=wrapped[0], rows=wrapped[1:])


def _draw_lines(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    font: ImageFont.FreeTypeFont,
    box: tuple[int, int, int],
    align: str,
    *,
    fill: tuple[int, int, int] = INK,
    bold: bool = False,
) -> None:
    left, top, width = box
    line_height = int(font.size) + LINE_GAP
    for n, line in enumerate(lines):
        w = _width(font, line)
        if align == "right":
            x = left + width - PAD_X - w
        elif align == "center":
            x = left + (width - w) / 2
        else:
            x = left + PAD_X
        draw.text(
            (x, top + n * line_height),
            line,
            font=font,
            fill=fill,
            stroke_width=1 if bold else 0,
            stroke_fill=fill,
        )


def _check(
    header: Sequence[str], rows: Sequence[Sequence[str]], col_align: Sequence[str] | None
) -> list[str]:
    if not header:
        raise ValueError("a table needs at least one column")
    if any(len(row) > len(header) for row in rows):
        raise ValueError("a row has more cells than the header")
    align = list(col_align or ["left"] * len(header))
    if len(align) != len(header) or any(a not in ALIGNMENTS for a in align):
        raise ValueError(f"col_align needs one of {ALIGNMENTS} per column")
    return align


def _draw(
    title: str,
    header: list[list[str]],
    rows: list[list[list[str]]],
    widths: list[int],
    align: list[str],
    footer: str | None,
) -> bytes:
    body = cjk_font(BODY_SIZE)
    title_font = cjk_font(TITLE_SIZE)
    small_size = BODY_SIZE - 2
    small = cjk_font(small_size)
    table_width = sum(widths)
    canvas_width = max(MIN_WIDTH, table_width + 2 * MARGIN)
    text_width = canvas_width - 2 * MARGIN

    title_lines = wrap_text(title, title_font, text_width) if title else []
    footer_lines = wrap_text(footer, small, text_width - 2 * PAD_X) if footer else []
    line_height = BODY_SIZE + LINE_GAP

    def row_height(cells: list[list[str]]) -> int:
        return max(len(c) for c in cells) * line_height - LINE_GAP + 2 * PAD_Y + 4

    title_height = len(title_lines) * (TITLE_SIZE + LINE_GAP) + (16 if title_lines else 0)
    header_height = row_height(header)
    heights = [row_height(r) for r in rows]
    footer_height = len(footer_lines) * (small_size + LINE_GAP) + (14 if footer_lines else 0)
    canvas_height = MARGIN + title_height + header_height + sum(heights) + footer_height + MARGIN

    # Telegram rejects a photo more than 20x taller than wide: widen such a canvas.
    canvas_width = max(canvas_width, -(-canvas_height // (MAX_RATIO - 1)))
    img = Image.new("RGB", (canvas_width, canvas_height), WHITE)
    draw = ImageDraw.Draw(img)

    y = MARGIN
    for line in title_lines:
        draw.text((MARGIN, y), line, font=title_font, fill=INK, stroke_width=1, stroke_fill=INK)
        y += TITLE_SIZE + LINE_GAP
    if title_lines:
        y += 16

    left = MARGIN
    right = MARGIN + table_width
    table_top = y
    draw.rectangle((left, y, right, y + header_height), fill=HEADER_BG)
    x = left
    for c, width in enumerate(widths):
        _draw_lines(draw, header[c], body, (x, y + PAD_Y, width), align[c], bold=True)
        x += width
    y += header_height
    for n, (cells, height) in enumerate(zip(rows, heights, strict=True)):
        if n % 2 == 1:
            draw.rectangle((left, y, right, y + height), fill=STRIPE_BG)
        x = left
        for c, width in enumerate(widths):
            _draw_lines(draw, cells[c], body, (x, y + PAD_Y, width), align[c])
            x += width
        draw.line((left, y, right, y), fill=GRID, width=1)
        y += height
    table_bottom = y
    # Grid: vertical lines and the outer frame.
    x = left
    for width in widths:
        draw.line((x, table_top, x, table_bottom), fill=GRID, width=1)
        x += width
    draw.rectangle((left, table_top, right, table_bottom), outline=GRID, width=2)
    draw.line((left, table_top + header_height, right, table_top + header_height), fill=MUTED)

    if footer_lines:
        y += 14
        _draw_lines(draw, footer_lines, small, (left, y, text_width), "left", fill=INK, bold=True)

    if canvas_width + canvas_height > MAX_SUM:
        scale = (MAX_SUM - 1) / (canvas_width + canvas_height)
        size = (max(1, int(canvas_width * scale)), max(1, int(canvas_height * scale)))
        img = img.resize(size, Image.Resampling.LANCZOS)

    out = io.BytesIO()
    img.save(out, "PNG", compress_level=6)
    return out.getvalue()


def render_table(
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    footer: str | None = None,
    col_align: Sequence[str] | None = None,
) -> bytes:
    """A PNG of ``rows`` under ``header`` with ``title`` above and ``footer`` below.

    Cells may hold ``\\n`` for several lines (a menu cell with three dishes); long text wraps
    within its column. ``col_align`` holds "left", "right" or "center" per column (numbers
    read best right-aligned). Rows shorter than the header are padded with empty cells.
    A very long table is scaled down to Telegram's photo limits; for more than ~40 rows
    prefer ``render_table_pages`` so the text stays readable on a phone.
    """
    align = _check(header, rows, col_align)
    layout = _layout(header, rows, cjk_font(BODY_SIZE))
    return _draw(title, layout.header, layout.rows, layout.widths, align, footer)


def render_table_pages(
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    footer: str | None = None,
    col_align: Sequence[str] | None = None,
    rows_per_page: int = 30,
) -> list[bytes]:
    """Like render_table, split into pictures of at most ``rows_per_page`` rows (send them
    as an album). Every page repeats the header and uses the same column widths; titles get
    "（1/3）" and only the last page carries the footer."""
    if rows_per_page < 1:
        raise ValueError("rows_per_page must be positive")
    align = _check(header, rows, col_align)
    layout = _layout(header, rows, cjk_font(BODY_SIZE))
    chunks = [layout.rows[i : i + rows_per_page] for i in range(0, len(layout.rows), rows_per_page)]
    if len(chunks) <= 1:
        return [_draw(title, layout.header, layout.rows, layout.widths, align, footer)]
    pages: list[bytes] = []
    for n, chunk in enumerate(chunks, start=1):
        last = n == len(chunks)
        pages.append(
            _draw(
                f"{title}（{n}/{len(chunks)}）",
                layout.header,
                chunk,
                layout.widths,
                align,
                footer if last else None,
            )
        )
    return pages


async def render_table_async(
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    footer: str | None = None,
    col_align: Sequence[str] | None = None,
) -> bytes:
    """render_table in a worker thread (drawing a long table takes tens of milliseconds)."""
    return await asyncio.to_thread(
        render_table, title, header, rows, footer=footer, col_align=col_align
    )
