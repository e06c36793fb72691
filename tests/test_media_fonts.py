"""The CJK font draws real hanzi everywhere, including a fresh machine without CJK fonts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw

from bot.render import fonts
from bot.render.fonts import BUNDLED_FONT, cjk_font, font_source, reset_font_cache


@pytest.fixture(autouse=True)
def fresh_font_choice() -> Iterator[None]:
    reset_font_cache()
    yield
    reset_font_cache()


def _glyph(text: str, size: int = 48) -> Image.Image:
    font = cjk_font(size)
    img = Image.new("L", (size * 2, size * 2), 255)
    ImageDraw.Draw(img).text((size // 4, size // 4), text, font=font, fill=0)
    return img


def _ink(img: Image.Image) -> int:
    return sum(img.histogram()[:128])  # dark pixels


def test_hanzi_render_as_distinct_glyphs_not_tofu() -> None:
    hou, qin = _glyph("后"), _glyph("勤")
    assert _ink(hou) > 50 and _ink(qin) > 50
    # Tofu (the .notdef box) would look the same for every character.
    diff = ImageChops.difference(hou, qin)
    assert _ink(ImageChops.invert(diff)) > 50
    missing = _glyph("\U000f0000")  # private-use: certainly not in the font -> .notdef
    assert ImageChops.difference(hou, missing).getbbox() is not None
    assert ImageChops.difference(qin, missing).getbbox() is not None


def test_font_has_glyphs_for_common_purchase_and_name_characters() -> None:
    font = cjk_font(32)
    notdef = bytes(font.getmask("\U000f0000"))
    for ch in "后勤采购猪肉鸡蛋大米合计￥元斤（）：，。喆堃玥":
        mask = font.getmask(ch)
        assert mask.getbbox() is not None, ch
        assert bytes(mask) != notdef, ch


def test_bundled_font_is_used_when_no_system_font_exists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(fonts.FONT_PATH_ENV, raising=False)
    monkeypatch.setattr(fonts, "SYSTEM_FONTS", (("/nonexistent/font.ttc", "SC"),))
    assert font_source().path == BUNDLED_FONT
    assert BUNDLED_FONT.is_file()
    assert (BUNDLED_FONT.parent / "OFL.txt").is_file()  # the licence travels with the font
    assert _ink(_glyph("勤")) > 50


def test_font_path_setting_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    own = tmp_path / "school.otf"
    own.write_bytes(BUNDLED_FONT.read_bytes())
    monkeypatch.setenv(fonts.FONT_PATH_ENV, str(own))
    assert font_source().path == own


@pytest.mark.expect_errors  # a broken font setting is logged as an ERROR, then the default is used
def test_broken_font_path_setting_falls_back_to_a_working_font(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = tmp_path / "not-a-font.ttf"
    bad.write_bytes(b"nope")
    monkeypatch.setenv(fonts.FONT_PATH_ENV, str(bad))
    assert font_source().path != bad
    assert fonts.FONT_PATH_ENV in caplog.text
    assert _ink(_glyph("后")) > 50


def test_fonts_are_cached_per_size() -> None:
    assert cjk_font(20) is cjk_font(20)
    assert cjk_font(20) is not cjk_font(30)
    with pytest.raises(ValueError):
        cjk_font(0)


def _bundled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fonts.FONT_PATH_ENV, raising=False)
    monkeypatch.setattr(fonts, "SYSTEM_FONTS", ())


def test_bundled_font_covers_gb2312(monkeypatch: pytest.MonkeyPatch) -> None:
    _bundled(monkeypatch)
    font = cjk_font(24)
    notdef = bytes(font.getmask("\U000f0000"))
    gb2312 = []
    for hi in range(0xB0, 0xF8):  # the hanzi rows: all 6,763 characters of both levels
        for lo in range(0xA1, 0xFF):
            try:
                gb2312.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    assert len(gb2312) == 6763
    missing = [ch for ch in gb2312 if bytes(font.getmask(ch)) == notdef]
    assert missing == []
    # The check can fail: a rare hanzi outside the subset does come out as the .notdef box.
    assert bytes(font.getmask("龘")) == notdef
