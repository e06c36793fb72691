"""Test pictures made in memory (not a test module). Other features' tests import these:
``from tests.images import jpeg_bytes``.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib

from PIL import ExifTags, Image, ImageDraw

# A marker block in the top-left corner lets tests see where "up" ended after a rotation.
MARK = (220, 30, 30)


def _picture(w: int, h: int, mode: str = "RGB") -> Image.Image:
    img = Image.new("RGB", (w, h), (70, 130, 180))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, max(1, w // 4), max(1, h // 4)), fill=MARK)
    draw.line((0, h - 1, w - 1, 0), fill=(255, 255, 255), width=max(1, min(w, h) // 50))
    return img if mode == "RGB" else img.convert(mode)


def jpeg_bytes(
    w: int = 800, h: int = 600, orientation: int | None = None, gps: bool = False
) -> bytes:
    """A JPEG as a phone writes it: optional EXIF Orientation tag and GPS position."""
    img = _picture(w, h)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (31.0, 14.0, 5.5),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (121.0, 28.0, 40.2),
        }
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def png_bytes(w: int = 800, h: int = 600, *, alpha: bool = False) -> bytes:
    """A PNG; with ``alpha`` a transparent one (a screenshot or a sticker-like picture)."""
    img = _picture(w, h)
    if alpha:
        rgba = img.convert("RGBA")
        rgba.putalpha(Image.new("L", (w, h), 0))  # fully transparent
        img = rgba
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@functools.cache
def bomb_png(side: int = 12_000) -> bytes:
    """A valid 1-bit PNG of side x side pixels (144 MP at the default) that is only a few
    kilobytes: decoding it to RGB would need ~430 MB. Built by hand so it is cheap to make."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def pdf_bytes() -> bytes:
    """A tiny but real one-page PDF (an invoice scan is the usual wrong attachment)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def corrupt_jpeg() -> bytes:
    """A JPEG cut off halfway, as an interrupted upload leaves it."""
    data = jpeg_bytes(800, 600)
    return data[: len(data) // 2]


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz_tag(x: float, y: float, z: float) -> bytes:
    return b"XYZ \x00\x00\x00\x00" + _s15(x) + _s15(y) + _s15(z)


@functools.cache
def wide_gamut_icc() -> bytes:
    """A minimal ICC v2 RGB profile with Display P3 primaries (as iPhones embed), gamma 2.2.
    Built by hand because no colour profiles are installed on a fresh machine."""
    desc_text = b"Test Display P3\x00"
    desc = (
        b"desc\x00\x00\x00\x00"
        + struct.pack(">I", len(desc_text))
        + desc_text
        + b"\x00" * 8  # unicode language code and count
        + b"\x00" * 3  # scriptcode code and count
        + b"\x00" * 67
    )
    curve = b"curv\x00\x00\x00\x00" + struct.pack(">IH", 1, 0x0233) + b"\x00\x00"
    tags = [
        (b"desc", desc),
        (b"wtpt", _xyz_tag(0.9642, 1.0, 0.8249)),
        (b"rXYZ", _xyz_tag(0.5151, 0.2412, -0.0011)),
        (b"gXYZ", _xyz_tag(0.2920, 0.6922, 0.0419)),
        (b"bXYZ", _xyz_tag(0.1571, 0.0666, 0.7841)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text\x00\x00\x00\x00Public domain test profile\x00"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, blobs = b"", b""
    for signature, blob in tags:
        padded = blob + b"\x00" * (-len(blob) % 4)
        table += signature + struct.pack(">II", offset + len(blobs), len(blob))
        blobs += padded
    size = offset + len(blobs)
    header = (
        struct.pack(">I", size)
        + b"\x00" * 4
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\x00" * 24
        + struct.pack(">I", 0)
        + _s15(0.9642)
        + _s15(1.0)
        + _s15(0.8249)
        + b"\x00" * 48
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + blobs
