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
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from bot.domain.errors import DomainError
from bot.texts import media as t

MAX_SIDE = 1600
JPEG_QUALITY = 85
# A 48 MP phone photo is 48,000,000 pixels; anything beyond this is not a photo of a broken
# tap. Decoding it would need width*height*3 bytes of memory (a 12000x12000 bomb: 430 MB).
MAX_PIXELS = 50_000_000

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


def normalize_image(data: bytes) -> NormalizedImage:
    """Decode ``data`` safely and return an upright RGB JPEG of at most MAX_SIDE px.

    Raises DomainError (polite Chinese) for non-images, corrupt files and image bombs.
    """
    if not data:
        raise DomainError(t.IMAGE_CORRUPT)
    img = _open(data)
    try:
        # JPEG only: let libjpeg decode at 1/2, 1/4 or 1/8 scale when the photo is much
        # larger than we keep. Cheap, and never below MAX_SIDE on either side.
        img.draft("RGB", (MAX_SIDE, MAX_SIDE))
        img.load()
        icc = img.info.get("icc_profile")
        upright = ImageOps.exif_transpose(img)
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


async def normalize_image_async(data: bytes) -> NormalizedImage:
    """normalize_image in a worker thread, so one big photo does not stall other chats."""
    return await asyncio.to_thread(normalize_image, data)
