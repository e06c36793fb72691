"""Rebuild ``bot/fonts/NotoSansSC-Subset.otf`` from a full Noto Sans SC (SIL OFL 1.1).

Why a subset: no CJK font can be assumed on a fresh machine or in CI, and the full font is
8 MB. All of GB2312 (6,763 hanzi plus its symbols), common given-name hanzi outside it, and
Latin/CJK punctuation keep the file under 2 MB. For full coverage point BOT_FONT_PATH at a
complete CJK font or install fonts-noto-cjk (found automatically).

Usage (needs ``pip install fonttools``, which the bot itself does not need):

    python tools/subset_cjk_font.py /path/to/NotoSansSC-Regular.otf bot/fonts/NotoSansSC-Subset.otf
"""

from __future__ import annotations

import sys

from fontTools import subset  # type: ignore[import-untyped]

EXTRA_RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 (¥ × ÷ ° ·)
    (0x2000, 0x206F),  # general punctuation (— … ‘ ’ “ ”)
    (0x2100, 0x214F),  # letterlike (℃ №)
    (0x2150, 0x218F),  # number forms (Ⅰ Ⅱ)
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed numbers ① ②
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes ■ □ ▲ ○ ●
    (0x2600, 0x26FF),  # misc symbols ★ ☆
    (0x3000, 0x303F),  # CJK punctuation 、。《》「」【】
    (0xFF00, 0xFFEF),  # full-width forms ，：；（）！？
]


def gb2312_chars() -> set[str]:
    chars: set[str] = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


# Hanzi common in given names that GB2312 lacks (a name drawn as a box would be a bug report).
NAME_HANZI = "喆垚堃弢彧惇旸旻昇晞暻曌杺橦洺湉濛燚犇玥珺瑄璘璟盺祎祐禕禛翀翛翾芃衎褀贇赟镕頔"


def wanted_codepoints() -> list[int]:
    points = {ord(c) for c in gb2312_chars()} | {ord(c) for c in NAME_HANZI}
    for start, end in EXTRA_RANGES:
        points.update(range(start, end + 1))
    return sorted(points)


def main(src: str, dst: str) -> None:
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # FreeType autohints well enough at table sizes; saves space
    options.desubroutinize = False
    font = subset.load_font(src, options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted_codepoints())
    subsetter.subset(font)
    subset.save_font(font, dst, options)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
