"""Turn whatever picture a user sends into a small, clean JPEG.

Why: phone photos are 4-12 MB with GPS coordinates in their EXIF (a teacher's home address
must not end up in the school's archive or a group chat), they are often stored sideways
with an orientation tag, and a hostile or broken file must not take the bot down. So every
received picture is decoded with a pixel limit, turned upright, flattened to RGB, scaled to
at most 1600 px on its long side and re-encoded without any metadata.
"""

from __future__ import annotations

import asyncio
import io
import math
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError
from PIL.JpegImagePlugin import JpegImageFile

from bot.domain.errors import DomainError
from bot.texts import media as t

MAX_SIDE = 1600
JPEG_QUALITY = 85
# A 48 MP phone photo is 48,000,000 pixels; anything beyond this is not a photo of a broken
# tap. Decoding it would need width*height*3 bytes of memory (a 12000x12000 bomb: 430 MB).
MAX_PIXELS = 50_000_000
# Formats other than JPEG decode at full size (no draft mode): 24 MP of RGBA is 96 MB, a
# 4000x3000 screenshot 48 MB. A bigger PNG is not a phone photo.
MAX_FULL_DECODE_PIXELS = 24_000_000
# Decode a JPEG at 1/2, 1/4 or 1/8 scale while its long side stays at least this: LANCZOS
# then does the last step (a 12 MP photo decodes at 2016x1512, 9 MB instead of 36 MB).
DRAFT_LONG_SIDE = 2000
# Flatten and shrink a full-size decode this many rows at a time, so the only full-size
# buffer is the decoded picture itself (no full-size RGB copy, mask or premultiplied copy).
BAND_ROWS = 64
# Image jobs at once (each holds up to ~50 MiB): two cores, and photos come in bursts.
IMAGE_JOBS = 2

# Pillow's own guard: it warns above MAX_IMAGE_PIXELS and raises above twice that. Set it
# deliberately and make the warning an error for the whole process (set once here, because
# warnings.catch_warnings() is not thread-safe and we decode in worker threads). The explicit
# size check in _open() below is the authoritative one; these are belt and braces.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
ImageFile.LOAD_TRUNCATED_IMAGES = False  # a half-received photo is refused, not padded grey

# Formats a phone or a computer plausibly sends ("JPEG" also opens multi-picture MPO files).
# Restricting the list keeps Pillow's rarer decoders (and their bugs) away from untrusted bytes.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")


@dataclass(frozen=True)
class NormalizedImage:
    jpeg: bytes
    width: int
    height: int


def _looks_like_heic(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc")


def _open(data: bytes) -> Image.Image:
    try:
        img = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(t.IMAGE_TOO_LARGE) from None
    except UnidentifiedImageError:
        if _looks_like_heic(data):
            raise DomainError(t.HEIC_NOT_SUPPORTED) from None
        raise DomainError(t.NOT_AN_IMAGE) from None
    except (OSError, ValueError, SyntaxError):
        raise DomainError(t.IMAGE_CORRUPT) from None
    # Image.open reads only the header, so this refuses a bomb before any pixel is decoded.
    if img.width <= 0 or img.height <= 0:
        raise DomainError(t.IMAGE_CORRUPT)
    if img.width * img.height > MAX_PIXELS:
        raise DomainError(t.IMAGE_TOO_LARGE)
    if img.format != "JPEG" and img.width * img.height > MAX_FULL_DECODE_PIXELS:
        raise DomainError(t.IMAGE_TOO_LARGE)
    return img


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """Apply an embedded colour profile (iPhones shoot Display P3, print shops send CMYK):
    the profile is dropped from the output, so its colours must be baked in first. A broken
    profile is ignored rather than refusing the photo."""
    if not icc or img.mode not in ("RGB", "CMYK"):
        return img
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(img, source, _SRGB, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return img
    return converted if converted is not None else img


def _to_rgb(img: Image.Image) -> Image.Image:
    """Flatten transparency onto white (a PNG screenshot with alpha would turn black)."""
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("RGBA", "LA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        # 16-bit greyscale (scans): scale to 8 bits instead of clipping to white.
        img = img.convert("I").point(lambda v: v / 256).convert("L")
    return img if img.mode == "RGB" else img.convert("RGB")


# EXIF orientation -> the transpose that makes the picture upright (as ImageOps does).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _draft_size(img: Image.Image) -> tuple[int, int]:
    """The smallest size libjpeg may decode to: long side not below DRAFT_LONG_SIDE."""
    scale = min(1.0, DRAFT_LONG_SIDE / max(img.size))
    return math.ceil(img.width * scale), math.ceil(img.height * scale)


def _shrink_in_bands(img: Image.Image) -> Image.Image:
    """Box-reduce a big decoded picture by a whole factor, a band of rows at a time
    (flattening transparency band by band: exact, since flattening is per pixel and a band
    is a whole number of boxes high). Peak memory: the decode plus one band."""
    factor = max(img.size) // DRAFT_LONG_SIDE
    if factor < 2:
        return img
    keep_mode = img.mode in ("RGB", "L", "CMYK")  # colour profiles apply to these after
    step = BAND_ROWS * factor
    out: Image.Image | None = None
    for top in range(0, img.height, step):
        band = img.crop((0, top, img.width, min(img.height, top + step)))
        small = (band if keep_mode else _to_rgb(band)).reduce(factor)
        if out is None:
            out = Image.new(small.mode, (img.width // factor, math.ceil(img.height / factor)))
        out.paste(small, (0, top // factor))
    assert out is not None
    return out


# JPEG markers that carry metadata, not picture: APP1-APP15 (EXIF and GPS, XMP, ICC,
# Photoshop/IPTC...) except APP14 (Adobe: how the colours are coded), and comments.
_METADATA_MARKERS = frozenset(range(0xE1, 0xF0)) - {0xEE} | {0xFE}
_SOS, _EOI = 0xDA, 0xD9


def _segments_kept(data: bytes, start: int, end: int, out: list[bytes]) -> int | None:
    """Copy the marker segments of ``data[start:end]`` into ``out`` without the metadata
    ones; stop after a start-of-scan header. Returns where the scan data begins (None:
    not well-formed)."""
    i = start
    while i < end:
        if data[i] != 0xFF:
            return None
        while i < end and data[i] == 0xFF:  # fill bytes
            i += 1
        if i + 3 > end:
            return None
        marker = data[i]
        length = int.from_bytes(data[i + 1 : i + 3], "big")
        if 0xD0 <= marker <= 0xD9 or marker in (0x00, 0x01) or length < 2 or i + 1 + length > end:
            return None  # no standalone markers here, and every segment must fit
        if marker not in _METADATA_MARKERS:
            out.append(b"\xff" + data[i : i + 1 + length])
        i += 1 + length
        if marker == _SOS:
            return i
    return None


def _without_metadata(data: bytes) -> bytes | None:
    """The same JPEG with its metadata segments dropped, losslessly (no re-encoding), or
    None if its structure is not the plain one this reads. Scans are copied as they are;
    segments between the scans of a progressive JPEG are filtered too; anything after the
    end-of-image marker (a second picture, trailing data) is dropped."""
    if data[:2] != b"\xff\xd8":
        return None
    out = [b"\xff\xd8"]
    pos = _segments_kept(data, 2, len(data), out)
    while pos is not None:
        # Scan data: 0xFF is followed by 0x00 (a stuffed byte) or a restart marker inside
        # it; any other marker ends the scan.
        scan = pos
        while True:
            pos = data.find(b"\xff", pos)
            if pos < 0 or pos + 1 >= len(data):
                return None  # no end-of-image: truncated
            following = data[pos + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                pos += 1 if following == 0xFF else 2
                continue
            break
        out.append(data[scan:pos])
        if following == _EOI:
            out.append(b"\xff\xd9")
            return b"".join(out)
        pos = _segments_kept(data, pos, len(data), out)
    return None


def _as_it_is(img: Image.Image, data: bytes) -> NormalizedImage | None:
    """A JPEG that is already what we store (small enough, upright, plain RGB or grey, no
    colour profile; what Telegram makes of a photo) keeps its pixels: only its metadata
    goes, so it costs a millisecond instead of a decode and an encode. The result is
    checked by decoding it (at 1/8 scale: a broken scan still fails)."""
    exif_turn = img.getexif().get(0x0112, 1)
    if (
        img.format != "JPEG"
        or img.mode not in ("RGB", "L")
        or max(img.size) > MAX_SIDE
        or exif_turn not in (None, 1)
        or img.info.get("icc_profile")
    ):
        return None
    clean = _without_metadata(data)
    if clean is None:
        return None
    try:
        with Image.open(io.BytesIO(clean), formats=("JPEG",)) as check:
            if not isinstance(check, JpegImageFile):
                return None
            kept = {name for name, _ in check.applist}
            if check.size != img.size or not kept <= {"APP0", "APP14"}:
                return None
            check.draft(check.mode, (max(1, check.width // 8), max(1, check.height // 8)))
            check.load()
    except (OSError, ValueError, SyntaxError, EOFError):
        return None  # the full path decides what is wrong with it
    return NormalizedImage(jpeg=clean, width=img.width, height=img.height)


def normalize_image(data: bytes) -> NormalizedImage:
    """Decode ``data`` safely and return an upright RGB JPEG of at most MAX_SIDE px.

    Raises DomainError (polite Chinese) for non-images, corrupt files and image bombs.
    """
    if not data:
        raise DomainError(t.IMAGE_CORRUPT)
    img = _open(data)
    try:
        if (kept := _as_it_is(img, data)) is not None:
            return kept
        # JPEG only: libjpeg decodes straight at the size we need (see DRAFT_LONG_SIDE).
        img.draft("RGB", _draft_size(img))
        img.load()
        icc = img.info.get("icc_profile")
        turn = _UPRIGHT.get(img.getexif().get(0x0112, 1))
        small = _shrink_in_bands(img)
        if small is not img:
            img.close()  # the full-size decode is no longer needed
        upright = small.transpose(turn) if turn is not None else small
        rgb = _to_rgb(_to_srgb(upright, icc if isinstance(icc, bytes) else None))
        rgb.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
        clean = Image.new("RGB", rgb.size)
        clean.paste(rgb)  # a fresh image: no EXIF, GPS, ICC, XMP or comments come along
        out = io.BytesIO()
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(t.IMAGE_TOO_LARGE) from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise DomainError(t.IMAGE_CORRUPT) from None
    finally:
        img.close()
    return NormalizedImage(jpeg=out.getvalue(), width=clean.width, height=clean.height)


_slots: asyncio.Semaphore | None = None


def start_image_jobs(limit: int = IMAGE_JOBS) -> None:
    """At start-up (in the bot's event loop): at most ``limit`` pictures decode at once,
    so a burst of photos costs ``limit`` x ~50 MiB, not one decode per photo in flight."""
    global _slots
    _slots = asyncio.Semaphore(limit)


async def normalize_image_async(data: bytes) -> NormalizedImage:
    """normalize_image in a worker thread, so one big photo does not stall other chats;
    waits for a free image slot first."""
    if _slots is None:
        start_image_jobs()
    assert _slots is not None
    async with _slots:
        return await asyncio.to_thread(normalize_image, data)
