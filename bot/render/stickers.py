"""QR stickers for every door: an A4 PDF to print and cut, and a PNG preview of page one.

The bundled CJK font is CFF-based (.otf), which reportlab cannot embed; so each sticker is
drawn as a picture with Pillow (which reads it) and the pictures are placed on the PDF
pages at print resolution. The QR codes come from segno, with error correction M (a
sticker gets scuffed) and the quiet zone the standard asks for.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import segno
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from bot.render.fonts import cjk_font
from bot.render.table import wrap_text

COLUMNS, ROWS = 2, 3  # six stickers of 105 x 99 mm on an A4 page
PER_PAGE = COLUMNS * ROWS
STICKER_MM = (95.0, 90.0)
PX_PER_MM = 8  # about 200 dpi: QR modules are 2 mm and print crisp
PREVIEW_PX_PER_MM = 4


@dataclass(frozen=True)
class Sticker:
    name: str  # 「教学楼 302教室」
    link: str  # https://t.me/<bot>?start=p<code>
    footer: str  # 「扫码报修」


def _qr_image(link: str, size: int) -> Image.Image:
    qr = segno.make(link, error="m", micro=False)
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=1, border=4)
    buf.seek(0)
    with Image.open(buf) as img:
        small = img.convert("L")
    return small.resize((size, size), Image.Resampling.NEAREST)


def sticker_image(sticker: Sticker, px_per_mm: int = PX_PER_MM) -> Image.Image:
    """One sticker: the place's name on top, the QR code, and 「扫码报修」 under it."""
    width, height = (round(v * px_per_mm) for v in STICKER_MM)
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, width - 1, height - 1), outline=(120, 120, 120), width=2)
    name_font = cjk_font(round(7.5 * px_per_mm))
    lines = wrap_text(sticker.name, name_font, width - 8 * px_per_mm)[:2]
    y = round(4 * px_per_mm)
    for line in lines:
        box = draw.textbbox((0, 0), line, font=name_font)
        draw.text(((width - (box[2] - box[0])) / 2 - box[0], y), line, font=name_font, fill="black")
        y += round(9 * px_per_mm)
    footer_font = cjk_font(round(6 * px_per_mm))
    footer_h = round(9 * px_per_mm)
    qr_size = min(height - y - footer_h - round(2 * px_per_mm), width - 8 * px_per_mm)
    qr = _qr_image(sticker.link, qr_size)
    img.paste(qr.convert("RGB"), ((width - qr_size) // 2, y))
    box = draw.textbbox((0, 0), sticker.footer, font=footer_font)
    draw.text(
        ((width - (box[2] - box[0])) / 2 - box[0], height - footer_h - box[1] // 2),
        sticker.footer,
        font=footer_font,
        fill="black",
    )
    return img


def _cell_origin(index: int) -> tuple[float, float]:
    """Bottom-left corner (in mm) of a sticker on the page, filled left to right, top down."""
    page_w, page_h = A4[0] / mm, A4[1] / mm
    cell_w, cell_h = page_w / COLUMNS, page_h / ROWS
    col, row = index % COLUMNS, index // COLUMNS
    x = col * cell_w + (cell_w - STICKER_MM[0]) / 2
    y = page_h - (row + 1) * cell_h + (cell_h - STICKER_MM[1]) / 2
    return x, y


def sticker_pdf(stickers: Sequence[Sticker]) -> bytes:
    """An A4 PDF, six stickers a page."""
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4, pageCompression=1)
    canvas.setTitle("报修二维码")
    for start in range(0, len(stickers), PER_PAGE):
        for index, sticker in enumerate(stickers[start : start + PER_PAGE]):
            x, y = _cell_origin(index)
            # Grey levels only: the PDF is 40% smaller and quicker to write than in RGB.
            image = ImageReader(sticker_image(sticker).convert("L"))
            canvas.drawImage(image, x * mm, y * mm, STICKER_MM[0] * mm, STICKER_MM[1] * mm)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def preview_png(stickers: Sequence[Sticker]) -> bytes:
    """Page one at a screen resolution, for a look before printing."""
    scale = PREVIEW_PX_PER_MM
    page = Image.new("RGB", (round(A4[0] / mm * scale), round(A4[1] / mm * scale)), "white")
    for index, sticker in enumerate(stickers[:PER_PAGE]):
        x, y = _cell_origin(index)
        top = A4[1] / mm - y - STICKER_MM[1]
        page.paste(sticker_image(sticker, scale), (round(x * scale), round(top * scale)))
    buf = io.BytesIO()
    page.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
