"""Draw the try-out's sample photos (a broken lamp, a dripping tap, a receipt).

Run ``python -m bot.sandbox.draw_samples`` to redraw ``bot/sandbox/static/samples/*.jpg``;
the JPEGs are committed so the try-out works offline and without this step.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from bot.render.fonts import cjk_font

OUT = Path(__file__).parent / "static" / "samples"
SIZE = (640, 480)


def broken_lamp() -> Image.Image:
    img = Image.new("RGB", SIZE, (214, 214, 206))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, 640, 150), fill=(236, 236, 230))  # ceiling
    d.rectangle((120, 110, 520, 150), fill=(250, 250, 250), outline=(150, 150, 150), width=3)
    d.rectangle((135, 122, 300, 138), fill=(120, 120, 110))  # a dead tube, dark
    d.rectangle((310, 122, 505, 138), fill=(150, 150, 140))
    d.line((300, 120, 318, 142), fill=(60, 60, 60), width=4)  # the crack
    d.line((318, 142, 326, 126), fill=(60, 60, 60), width=3)
    for x, y in ((330, 250), (352, 270), (300, 280)):  # glass on the floor
        d.polygon(
            (x, y, x + 18, y + 6, x + 6, y + 16), fill=(235, 240, 245), outline=(120, 130, 140)
        )
    d.rectangle((40, 330, 600, 470), fill=(170, 150, 120))  # desks
    return img


def dripping_tap() -> Image.Image:
    img = Image.new("RGB", SIZE, (225, 232, 238))
    d = ImageDraw.Draw(img)
    for y in range(0, 480, 60):  # tiles
        d.line((0, y, 640, y), fill=(200, 208, 214), width=2)
    for x in range(0, 640, 60):
        d.line((x, 0, x, 480), fill=(200, 208, 214), width=2)
    d.rectangle((150, 330, 490, 470), fill=(245, 245, 245), outline=(170, 170, 170), width=4)
    d.ellipse((180, 345, 460, 440), fill=(210, 220, 228))  # basin
    d.rectangle((300, 140, 340, 250), fill=(170, 175, 180))  # tap body
    d.rectangle((300, 200, 420, 230), fill=(180, 185, 190))  # spout
    d.rectangle((395, 230, 420, 250), fill=(160, 165, 170))
    d.rectangle((270, 130, 370, 150), fill=(200, 40, 40))  # handle
    for y, r in ((270, 7), (305, 6), (345, 8)):
        d.ellipse((402 - r, y - r, 402 + r, y + r + 4), fill=(90, 150, 220))
    d.ellipse((370, 390, 440, 410), outline=(90, 150, 220), width=3)  # splash ring
    return img


def receipt() -> Image.Image:
    img = Image.new("RGB", SIZE, (120, 98, 80))  # a wooden table
    paper = Image.new("RGB", (300, 440), (250, 249, 242))
    d = ImageDraw.Draw(paper)
    big, small = cjk_font(26), cjk_font(18)
    d.text((70, 18), "销售单", font=big, fill=(30, 30, 30))
    d.text((20, 62), "客户：学校食堂   日期：11-23", font=small, fill=(40, 40, 40))
    rows = (
        ("猪肉 20斤", "270.00"),
        ("白菜 50斤", "60.00"),
        ("鸡蛋 3.3斤", "13.53"),
        ("大米 2袋", "300.00"),
    )
    y = 110
    for name, amount in rows:
        d.text((20, y), name, font=small, fill=(30, 30, 30))
        d.text((200, y), amount, font=small, fill=(30, 30, 30))
        y += 36
    d.line((20, y, 280, y), fill=(60, 60, 60), width=2)
    d.text((20, y + 12), "合计", font=small, fill=(30, 30, 30))
    d.text((200, y + 12), "643.53", font=small, fill=(30, 30, 30))
    d.ellipse((170, 330, 270, 420), outline=(200, 30, 30), width=4)  # the seal
    d.text((190, 362), "收讫", font=small, fill=(200, 30, 30))
    paper = paper.rotate(4, expand=True, fillcolor=(120, 98, 80))
    img.paste(paper, (170, 10))
    return img


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    noise = random.Random(7)
    for name, draw in (("lamp", broken_lamp), ("tap", dripping_tap), ("receipt", receipt)):
        img = draw().filter(ImageFilter.GaussianBlur(0.6))
        # A little grain, as a phone photo has.
        px = img.load()
        assert px is not None
        for _ in range(4000):
            x, y = noise.randrange(SIZE[0]), noise.randrange(SIZE[1])
            r, g, b = px[x, y]  # type: ignore[misc]
            k = noise.randint(-12, 12)
            px[x, y] = (max(0, min(255, r + k)), max(0, min(255, g + k)), max(0, min(255, b + k)))
        img.save(OUT / f"{name}.jpg", "JPEG", quality=82)


if __name__ == "__main__":
    main()
