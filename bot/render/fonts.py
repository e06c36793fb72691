"""A font that can draw Chinese, found the same way on a laptop, a server and CI.

Search order:
1. ``BOT_FONT_PATH`` (a .ttf/.otf/.ttc file) if set, for a school that wants its own face;
2. common system CJK fonts (Debian/Ubuntu ``fonts-noto-cjk``, WenQuanYi, Source Han, AR PL);
3. the bundled ``bot/fonts/NotoSansSC-Subset.otf`` (Noto Sans SC, SIL OFL 1.1; all of GB2312
   plus common name hanzi, see tools/subset_cjk_font.py), so a fresh machine always works.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

log = logging.getLogger(__name__)

FONT_PATH_ENV = "BOT_FONT_PATH"
BUNDLED_FONT = Path(__file__).resolve().parent.parent / "fonts" / "NotoSansSC-Subset.otf"

# (path, preferred family substring inside a .ttc collection)
SYSTEM_FONTS: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "SC"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf", "SC"),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "SC"),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", "SC"),
    ("/usr/share/fonts/opentype/source-han-sans/SourceHanSansSC-Regular.otf", "SC"),
    ("/usr/share/fonts/adobe-source-han-sans/SourceHanSansSC-Regular.otf", "SC"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "Micro Hei"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "Zen Hei"),
    ("/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc", "Micro Hei"),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", "Ming"),
)


@dataclass(frozen=True)
class FontSource:
    path: Path
    index: int  # face inside a .ttc collection (0 for single fonts)


def _face_index(path: Path, family_hint: str) -> int:
    """In a collection such as NotoSansCJK-Regular.ttc (JP, KR, SC, TC, HK) pick the face
    whose family name holds ``family_hint``; the Simplified Chinese glyph shapes differ."""
    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    for index in range(16):
        try:
            family, _style = ImageFont.truetype(str(path), 12, index=index).getname()
        except OSError:
            break
        if family and family_hint in family:
            return index
    return 0


def _usable(path: Path) -> bool:
    try:
        ImageFont.truetype(str(path), 12)
    except OSError:
        return False
    return True


@functools.cache
def font_source() -> FontSource:
    """Where the CJK font comes from; resolved once per process."""
    configured = os.environ.get(FONT_PATH_ENV, "").strip()
    if configured:
        path = Path(configured).expanduser()
        if path.is_file() and _usable(path):
            return FontSource(path, _face_index(path, "SC"))
        log.error("%s=%s is not a readable font; using the default font", FONT_PATH_ENV, path)
    for candidate, hint in SYSTEM_FONTS:
        path = Path(candidate)
        if path.is_file() and _usable(path):
            return FontSource(path, _face_index(path, hint))
    return FontSource(BUNDLED_FONT, 0)


@functools.lru_cache(maxsize=32)
def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    """The CJK font at ``size`` pixels, cached (loading an 8 MB font takes milliseconds)."""
    if size <= 0:
        raise ValueError("font size must be positive")
    source = font_source()
    return ImageFont.truetype(str(source.path), size, index=source.index)


def reset_font_cache() -> None:
    """Forget the chosen font (tests that change BOT_FONT_PATH call this)."""
    cjk_font.cache_clear()
    font_source.cache_clear()
